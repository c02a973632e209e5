import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, WIRE_LIMITS } from '@hallmonitor/shared';
import { enrollAgent, startTestCollector, type TestCollector } from './helpers.js';
import { hello, metrics, openProbe } from './ws-client.js';

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c.stop();
});

function countSamples(targetId: string, metric: string): number {
  return c.app.ctx.store.query({ targetId, metric, fromMs: 0, toMs: Date.now() + 1e9 }).reduce((n, s) => n + s.points.length, 0);
}

describe('WebSocket ingest', () => {
  it('refuses an upgrade without a valid credential before reading any message', async () => {
    await expect(openProbe(c.url)).rejects.toMatchObject({ status: 401 });
    await expect(openProbe(c.url, 'ag_nobody.secretsecretsecret')).rejects.toMatchObject({ status: 401 });
    const a = await enrollAgent(c, 'x');
    await expect(openProbe(c.url, `${a.agentId}.wrong-secret-of-some-length`)).rejects.toMatchObject({ status: 401 });
  });

  it('stores a batch and acknowledges it only after storing', async () => {
    const a = await enrollAgent(c, 'pc-ack');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello(a.agentId));
    const welcome = await p.next('welcome');
    expect(welcome).toMatchObject({ acceptedVersion: 1, agentId: a.agentId, highWaterSeq: 0 });
    p.ws.send(metrics(1, [{ name: 'cpu_usage_percent', value: 12.5 }, { name: 'disk_used_percent', labels: { mount: '/' }, value: 50 }]));
    expect(await p.next('ack')).toMatchObject({ seq: 1, epoch: 'test-epoch-1' });
    expect(countSamples(a.targetId, 'cpu_usage_percent')).toBe(1);
    p.ws.close();
  });

  it('stores a replayed batch once and reports the high-water mark on reconnect', async () => {
    const a = await enrollAgent(c, 'pc-replay');
    const ts = Date.now();
    const batch = metrics(1, [{ name: 'load1', value: 0.5, timestamp: ts }]);
    const p1 = await openProbe(c.url, a.bearer);
    p1.ws.send(hello(a.agentId));
    await p1.next('welcome');
    p1.ws.send(batch);
    p1.ws.send(batch);
    await p1.next('ack');
    await p1.next('ack');
    p1.ws.close();
    await p1.closed;
    const p2 = await openProbe(c.url, a.bearer);
    p2.ws.send(hello(a.agentId));
    expect(await p2.next('welcome')).toMatchObject({ highWaterSeq: 1 });
    p2.ws.send(batch);
    await p2.next('ack');
    expect(countSamples(a.targetId, 'load1')).toBe(1);
    p2.ws.close();
  });

  const bad: Array<[string, (agentId: string) => string | Buffer, number, RegExp]> = [
    ['metrics before hello', () => metrics(1, [{ name: 'load1', value: 1 }]), CLOSE_CODES.protocolError, /before hello/],
    ['not JSON', () => '{oops', CLOSE_CODES.protocolError, /HM_MSG_NOT_JSON/],
    ['an unknown message type', () => JSON.stringify({ v: 1, type: 'shutdown' }), CLOSE_CODES.protocolError, /HM_MSG_UNKNOWN_TYPE/],
    ['a hello claiming another agent', () => hello('ag_someoneelse'), CLOSE_CODES.unauthorized, /does not match the credential/],
    ['an unsupported protocol version', (id) => hello(id).replace('"protocolVersion":1', '"protocolVersion":99'), CLOSE_CODES.unsupportedVersion, /not supported/],
    ['a __proto__ label', (id) => `${hello(id)}`.replace('"facts":{', '"facts":{"__proto__":{"polluted":true},'), CLOSE_CODES.protocolError, /HM_MSG_INVALID/],
  ];

  it.each(bad)('closes the socket on %s, stores nothing, and keeps other agents working', async (_name, build, code, reason) => {
    const good = await enrollAgent(c, 'pc-good');
    const gp = await openProbe(c.url, good.bearer);
    gp.ws.send(hello(good.agentId));
    await gp.next('welcome');

    const a = await enrollAgent(c, 'pc-bad');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(build(a.agentId));
    const closed = await p.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(countSamples(a.targetId, 'load1')).toBe(0);

    gp.ws.send(metrics(1, [{ name: 'load1', value: 2 }]));
    expect(await gp.next('ack')).toMatchObject({ seq: 1 });
    gp.ws.close();
    expect(({}) as Record<string, unknown>).not.toHaveProperty('polluted');
  });

  it('closes with 1009 on an oversized message and nothing is stored', async () => {
    const a = await enrollAgent(c, 'pc-big');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello(a.agentId));
    await p.next('welcome');
    p.ws.send(metrics(1, [{ name: 'load1', value: 1, labels: { pad: 'x'.repeat(120) } }]).padEnd(WIRE_LIMITS.maxMessageBytes + 10, ' '));
    const closed = await p.closed;
    expect(closed.code).toBe(1009);
    expect(countSamples(a.targetId, 'load1')).toBe(0);
  });

  it('closes an agent that creates more series than its cap', async () => {
    const capped = await startTestCollector({}, { ingestLimits: { maxSeriesPerAgent: 50 } });
    try {
      const a = await enrollAgent(capped);
      const p = await openProbe(capped.url, a.bearer);
      p.ws.send(hello(a.agentId));
      await p.next('welcome');
      p.ws.send(metrics(1, Array.from({ length: 60 }, (_, i) => ({ name: 'load1', labels: { n: String(i) }, value: i }))));
      const closed = await p.closed;
      expect(closed.code).toBe(CLOSE_CODES.rateLimited);
      expect(closed.reason).toMatch(/HM_SERIES_CAP/);
    } finally {
      await capped.stop();
    }
  });

  it('closes an unauthenticated-but-upgraded socket that never says hello', async () => {
    const quick = await startTestCollector({}, { ingestLimits: { helloTimeoutMs: 200 } });
    try {
      const a = await enrollAgent(quick);
      const p = await openProbe(quick.url, a.bearer);
      const closed = await p.closed;
      expect(closed.code).toBe(CLOSE_CODES.handshakeTimeout);
    } finally {
      await quick.stop();
    }
  });
});
