import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { CLOSE_CODES } from '@hallmonitor/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hello, metrics, openProbe, type WsProbe } from '../ws-client.js';
import { enroll, memory, startCollector, type SecureCollector } from './setup.js';

/**
 * Everything a stranger (or a compromised agent) can send, against one real
 * collector on a real socket, while a legitimate agent keeps reporting. Each
 * abuse gets a clear refusal, nothing of it is stored, and memory stays bounded.
 */
let c: SecureCollector;
let port: number;
let good: { stop(): Promise<number>; acked(): number; closed(): boolean };
const memBefore: Array<{ heapMB: number; rssMB: number }> = [];

async function legitimateAgent(): Promise<typeof good> {
  const a = await enroll(c, 'legit-pc');
  const p = await openProbe(c.url, a.bearer);
  p.ws.send(hello(a.agentId));
  await p.next('welcome');
  let seq = 0;
  let acked = 0;
  let closed = false;
  p.ws.on('message', (d) => {
    if ((JSON.parse(String(d)) as { type: string }).type === 'ack') acked++;
  });
  p.ws.on('close', () => (closed = true));
  const timer = setInterval(() => p.ws.send(metrics(++seq, [{ name: 'load1', value: seq }])), 100);
  return {
    acked: () => acked,
    closed: () => closed,
    async stop() {
      clearInterval(timer);
      p.ws.close();
      return acked;
    },
  };
}

async function agentSocket(name: string): Promise<{ probe: WsProbe; targetId: string }> {
  const a = await enroll(c, name);
  const probe = await openProbe(c.url, a.bearer);
  probe.ws.send(hello(a.agentId));
  await probe.next('welcome');
  return { probe, targetId: a.targetId };
}

function stored(targetId: string): number {
  return c.app.ctx.store.query({ targetId, metric: 'load1', fromMs: Date.now() - 600_000, toMs: Date.now() + 60_000, stepMs: 1 }).reduce((n, s) => n + s.points.length, 0);
}

/** One raw HTTP request on a real socket; resolves with the status (0 when the server closed without answering). */
function rawPost(path: string, body: Buffer | string, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Opens a raw TCP socket and resolves when the server closes it, with how long that took and what it said. */
function rawSocket(onConnect: (s: Socket) => void): Promise<{ ms: number; data: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let data = '';
    const s = connect(port, '127.0.0.1', () => onConnect(s));
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ ms: Date.now() - t0, data }));
  });
}

beforeAll(async () => {
  c = await startCollector(
    {},
    {
      ingestLimits: { helloTimeoutMs: 500, maxSeriesPerAgent: 1000, samplesPerSecond: 500, sampleBurst: 5000 },
      serverTimeouts: { headersTimeout: 1500, requestTimeout: 3000, connectionsCheckingInterval: 250 },
      security: { connectionsPerIp: 60 },
    },
  );
  port = Number(new URL(c.url).port);
  good = await legitimateAgent();
  // Warm up so the baseline includes the JIT, the pools and the first allocations.
  for (let i = 0; i < 3; i++) await rawPost('/api/v1/enroll', JSON.stringify({ token: 'hm1.warmupwarmupwarmup', hostname: 'w' }));
  memBefore.push(memory());
});

afterAll(async () => {
  await good?.stop();
  await c.stop();
});

describe('WebSocket limits', () => {
  it('closes 1009 on one frame past maxPayload and on a 10 MB message, storing nothing', async () => {
    for (const size of [256 * 1024 + 1, 10 * 1024 * 1024]) {
      const { probe, targetId } = await agentSocket(`big-${size}`);
      probe.ws.send(Buffer.alloc(size, 0x20).fill(metrics(1, [{ name: 'load1', value: 1 }]), 0, 60), { binary: false });
      expect((await probe.closed).code).toBe(CLOSE_CODES.messageTooBig);
      expect(stored(targetId)).toBe(0);
    }
  });

  it('closes 1009 when fragments add up past the limit', async () => {
    const { probe, targetId } = await agentSocket('fragments');
    const piece = Buffer.alloc(100 * 1024, 0x20);
    piece.write('{"v":1,"type":"metrics",');
    probe.ws.send(piece, { fin: false, binary: false });
    for (let i = 0; i < 4; i++) probe.ws.send(Buffer.alloc(100 * 1024, 0x20), { fin: false });
    expect((await probe.closed).code).toBe(CLOSE_CODES.messageTooBig);
    expect(stored(targetId)).toBe(0);
  });

  it.each([
    ['deep nesting', () => `{"v":1,"type":"metrics","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, /nests deeper/],
    ['a __proto__ label key', () => metrics(1, [{ name: 'load1', value: 1 }]).replace('"labels":{}', '"labels":{"__proto__":{"admin":"1"}}'), /HM_MSG_INVALID/],
    ['17 labels on one sample', () => metrics(1, [{ name: 'load1', value: 1, labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v'])) }]), /HM_MSG_INVALID/],
    ['NaN as a bare JSON value', () => metrics(1, [{ name: 'load1', value: 1 }]).replace('"value":1', '"value":NaN'), /HM_MSG_NOT_JSON/],
  ])('closes 4000 on %s', async (_name, build, reason) => {
    const { probe, targetId } = await agentSocket('malformed');
    probe.ws.send(build());
    const closed = await probe.closed;
    expect(closed.code).toBe(CLOSE_CODES.protocolError);
    expect(closed.reason).toMatch(reason);
    expect(stored(targetId)).toBe(0);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('closes 4008 on thousands of unique label values (series cap) and on a sample flood (rate cap)', async () => {
    const cap = await agentSocket('label-bomb');
    cap.probe.ws.send(metrics(1, Array.from({ length: 1500 }, (_, i) => ({ name: 'load1', labels: { id: `u${i}` }, value: i }))));
    const capped = await cap.probe.closed;
    expect(capped.code).toBe(CLOSE_CODES.rateLimited);
    expect(capped.reason).toMatch(/HM_SERIES_CAP/);
    expect(stored(cap.targetId)).toBe(0);

    const flood = await agentSocket('flood');
    for (let seq = 1; seq <= 5; seq++) flood.probe.ws.send(metrics(seq, Array.from({ length: 1500 }, (_, i) => ({ name: 'load1', labels: { n: String(i % 10) }, value: i }))));
    const closed = await flood.probe.closed;
    expect(closed.code).toBe(CLOSE_CODES.rateLimited);
    expect(closed.reason).toMatch(/HM_RATE/);
  });

  it('refuses unauthenticated upgrades at once and closes an authenticated socket that never says hello', async () => {
    await expect(openProbe(c.url)).rejects.toMatchObject({ status: 401 });
    const a = await enroll(c, 'idle');
    const p = await openProbe(c.url, a.bearer);
    const t0 = Date.now();
    expect((await p.closed).code).toBe(CLOSE_CODES.handshakeTimeout);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('caps connections per address at the TCP level', async () => {
    const sockets: Socket[] = [];
    const closedEarly: number[] = [];
    for (let i = 0; i < 80; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedEarly.push(i));
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    // The cap is 60 per address and the legitimate agent holds one, so at least 21 of these are refused.
    expect(closedEarly.length).toBeGreaterThanOrEqual(21);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
  });
});

describe('HTTP limits', () => {
  it('answers 413 to a 10 MB JSON body (and to one just over 64 KiB)', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x20);
    huge.write('{"token":"');
    for (let i = 0; i < 3; i++) expect(await rawPost('/api/v1/enroll', huge)).toBe(413);
    expect(await rawPost('/api/v1/enroll', JSON.stringify({ token: 'x'.repeat(65 * 1024), hostname: 'h' }))).toBe(413);
  });

  it('answers 400 to deep nesting and __proto__ keys in a JSON body', async () => {
    expect(await rawPost('/api/v1/enroll', `{"token":"hm1.x","hostname":"h","labels":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`)).toBe(400);
    expect(await rawPost('/api/v1/enroll', '{"token":"hm1.xxxxxxxxxxxxxxxxxxxx","hostname":"h","__proto__":{"isAdmin":true}}')).toBe(400);
    expect(await rawPost('/api/v1/session', '{"name":"a","password":"b","constructor":{"prototype":{"isAdmin":true}}}')).toBe(400);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('reaps a slowloris client trickling headers, and an idle connection that sends nothing', async () => {
    const trickle = await rawSocket((s) => {
      s.write('GET /api/v1/hosts HTTP/1.1\r\nHost: x\r\n');
      const t = setInterval(() => {
        if (!s.destroyed) s.write(`X-Slow-${Date.now()}: 1\r\n`);
      }, 200);
      s.on('close', () => clearInterval(t));
    });
    expect(trickle.ms).toBeLessThan(4000);
    expect(trickle.data).toMatch(/^(HTTP\/1\.1 408|$)/);
    const slowUpgrade = await rawSocket((s) => {
      s.write('GET /api/v1/agent/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
      const t = setInterval(() => !s.destroyed && s.write('X-Pad: 1\r\n'), 200);
      s.on('close', () => clearInterval(t));
    });
    expect(slowUpgrade.ms).toBeLessThan(4000);
    const idle = await rawSocket(() => undefined);
    expect(idle.ms).toBeLessThan(4000);
  });
});

describe('throughout', () => {
  it('kept the legitimate agent reporting and memory bounded', async () => {
    const before = good.acked();
    await new Promise((r) => setTimeout(r, 500));
    expect(good.closed()).toBe(false);
    expect(good.acked()).toBeGreaterThan(before);
    expect(good.acked()).toBeGreaterThan(20);
    const after = memory();
    const base = memBefore[0] as { heapMB: number; rssMB: number };
    console.log(`collector process memory: heap ${base.heapMB} → ${after.heapMB} MB, RSS ${base.rssMB} → ${after.rssMB} MB`);
    expect(after.heapMB - base.heapMB).toBeLessThan(64);
    expect(after.rssMB - base.rssMB).toBeLessThan(200);
  });
});
