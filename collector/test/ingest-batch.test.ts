import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, PROTOCOL_VERSION, SeriesDictionary, type WireSample } from '@hallmonitor/shared';
import { enrollAgent, startTestCollector, waitUntil, type TestCollector } from './helpers.js';
import { openProbe, type WsProbe } from './ws-client.js';

// Protocol 3: `batch` messages in columns against series defined once per connection.

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector({
    rules: [{ name: 'disk-full', metric: 'disk_used_percent', match: { mount: '/' }, op: '>', threshold: 90, for: '0s', severity: 'critical', notify: [] }],
  });
});
afterAll(async () => {
  await c.stop();
});

function points(targetId: string, metric: string): Array<[number, number]> {
  return c.app.ctx.store.query({ targetId, metric, fromMs: Date.now() - 3_600_000, toMs: Date.now() + 3_600_000 }).flatMap((s) => s.points);
}

function hello3(agentId: string, epoch: string): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', agentId, agentVersion: 'test', protocolVersion: PROTOCOL_VERSION, epoch, facts: { hostname: 'h', os: 'Debian', kernel: '6.1', arch: 'x64' } });
}

async function connect3(bearer: string, agentId: string, epoch = 'batch-epoch'): Promise<WsProbe> {
  const p = await openProbe(c.url, bearer);
  p.ws.send(hello3(agentId, epoch));
  expect(await p.next('welcome')).toMatchObject({ acceptedVersion: 3 });
  return p;
}

const round = (ts: number, disk = 50): WireSample[] => [
  { name: 'cpu_usage_percent', labels: {}, value: 12.5, timestamp: ts },
  { name: 'disk_used_percent', labels: { mount: '/' }, value: disk, timestamp: ts },
  { name: 'cpu_temperature_celsius', labels: {}, value: 'NaN', timestamp: ts + 3 },
];

describe('protocol 3 batches', () => {
  it('stores columns against series defined once, feeds latest values and rules, and acks each batch', async () => {
    const a = await enrollAgent(c, 'pc-batch');
    const p = await connect3(a.bearer, a.agentId);
    const dict = new SeriesDictionary();
    const t0 = Date.now() - 60_000;
    const first = dict.encode('batch-epoch', 1, round(t0));
    expect(first.defs).toHaveLength(3);
    expect(first.dt).toEqual([0, 0, 3]);
    p.ws.send(JSON.stringify(first));
    expect(await p.next('ack')).toMatchObject({ seq: 1 });
    const second = dict.encode('batch-epoch', 2, round(t0 + 15_000, 95));
    expect(second.defs).toBeUndefined();
    p.ws.send(JSON.stringify(second));
    expect(await p.next('ack')).toMatchObject({ seq: 2 });

    expect(points(a.targetId, 'disk_used_percent')).toEqual([
      [t0, 50],
      [t0 + 15_000, 95],
    ]);
    const temps = points(a.targetId, 'cpu_temperature_celsius');
    expect(temps.map(([t]) => t)).toEqual([t0 + 3, t0 + 15_003]);
    expect(temps.every(([, v]) => Number.isNaN(v))).toBe(true);
    const latest = c.app.ctx.latest.forTarget(a.targetId).find((s) => s.metric === 'disk_used_percent');
    expect(latest).toMatchObject({ value: 95, ts: t0 + 15_000, labels: { mount: '/' } });
    await waitUntil(() => c.app.ctx.alerts.firing().some((r) => r.target_id === a.targetId && r.rule === 'disk-full'), 5000, 'disk-full alert');
    p.ws.close();
  });

  it('defines series again on a new connection and stores a replayed batch once', async () => {
    const a = await enrollAgent(c, 'pc-batch-replay');
    const t0 = Date.now() - 30_000;
    const p1 = await connect3(a.bearer, a.agentId, 'replay-epoch');
    const d1 = new SeriesDictionary();
    p1.ws.send(JSON.stringify(d1.encode('replay-epoch', 1, round(t0))));
    await p1.next('ack');
    p1.ws.close();
    await p1.closed;

    // The agent does not know batch 1 was stored: it resends it on the new connection, defining its series again.
    const p2 = await connect3(a.bearer, a.agentId, 'replay-epoch');
    const d2 = new SeriesDictionary();
    p2.ws.send(JSON.stringify(d2.encode('replay-epoch', 1, round(t0))));
    expect(await p2.next('ack')).toMatchObject({ seq: 1 });
    // The replay was not stored again, but its definitions hold for the next batch.
    p2.ws.send(JSON.stringify(d2.encode('replay-epoch', 2, round(t0 + 15_000))));
    expect(await p2.next('ack')).toMatchObject({ seq: 2 });
    expect(points(a.targetId, 'cpu_usage_percent').map(([t]) => t)).toEqual([t0, t0 + 15_000]);
    p2.ws.close();
  });

  const bad: Array<[string, (epoch: string) => Record<string, unknown>, number, RegExp]> = [
    ['a series that was never defined', (epoch) => ({ v: 3, type: 'batch', epoch, seq: 1, t: Date.now(), ids: [0], values: [1] }), CLOSE_CODES.protocolError, /series 0 is not defined/],
    [
      'series defined out of order',
      (epoch) => ({ v: 3, type: 'batch', epoch, seq: 1, defs: [{ id: 5, name: 'load1', labels: {} }], t: Date.now(), ids: [5], values: [1] }),
      CLOSE_CODES.protocolError,
      /defined out of order/,
    ],
    [
      'columns of different lengths',
      (epoch) => ({ v: 3, type: 'batch', epoch, seq: 1, defs: [{ id: 0, name: 'load1', labels: {} }], t: Date.now(), ids: [0, 0], values: [1] }),
      CLOSE_CODES.protocolError,
      /values has 1 entries, ids 2/,
    ],
    [
      'a series defined twice in one message',
      (epoch) => ({ v: 3, type: 'batch', epoch, seq: 1, defs: [{ id: 0, name: 'load1', labels: {} }, { id: 0, name: 'load5', labels: {} }], t: Date.now(), ids: [0], values: [1] }),
      CLOSE_CODES.protocolError,
      /defined twice/,
    ],
    [
      'a timestamp offset below zero',
      (epoch) => ({ v: 3, type: 'batch', epoch, seq: 1, defs: [{ id: 0, name: 'load1', labels: {} }], t: 5, ids: [0], values: [1], dt: [-10] }),
      CLOSE_CODES.protocolError,
      /out of range/,
    ],
    ['another epoch', () => ({ v: 3, type: 'batch', epoch: 'not-mine', seq: 1, t: Date.now(), ids: [], values: [] }), CLOSE_CODES.protocolError, /HM_MSG_EPOCH/],
  ];

  it.each(bad)('closes the connection on %s and stores nothing', async (_name, build, code, reason) => {
    const a = await enrollAgent(c, 'pc-batch-bad');
    const p = await connect3(a.bearer, a.agentId, 'bad-epoch');
    p.ws.send(JSON.stringify(build('bad-epoch')));
    const closed = await p.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(points(a.targetId, 'load1')).toEqual([]);
  });

  it('refuses a batch on a connection that settled on protocol 2', async () => {
    const a = await enrollAgent(c, 'pc-batch-v2');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello3(a.agentId, 'v2-epoch').replace('"protocolVersion":3', '"protocolVersion":2'));
    expect(await p.next('welcome')).toMatchObject({ acceptedVersion: 2 });
    p.ws.send(JSON.stringify(new SeriesDictionary().encode('v2-epoch', 1, round(Date.now()))));
    expect((await p.closed).reason).toMatch(/batch needs protocol 3/);
  });

  it('counts defined series against the per-agent cap', async () => {
    const capped = await startTestCollector({}, { ingestLimits: { maxSeriesPerAgent: 50 } });
    try {
      const a = await enrollAgent(capped);
      const p = await openProbe(capped.url, a.bearer);
      p.ws.send(hello3(a.agentId, 'cap-epoch'));
      await p.next('welcome');
      const samples = Array.from({ length: 60 }, (_, i): WireSample => ({ name: 'load1', labels: { n: String(i) }, value: i, timestamp: Date.now() }));
      p.ws.send(JSON.stringify(new SeriesDictionary().encode('cap-epoch', 1, samples)));
      const closed = await p.closed;
      expect(closed.code).toBe(CLOSE_CODES.rateLimited);
      expect(closed.reason).toMatch(/HM_SERIES_CAP/);
    } finally {
      await capped.stop();
    }
  });

  it('refuses series ids from before the store rebuilt its memory, and the agent recovers by reconnecting', async () => {
    const a = await enrollAgent(c, 'pc-batch-stale');
    const t0 = Date.now() - 45_000;
    const p = await connect3(a.bearer, a.agentId, 'stale-epoch');
    const dict = new SeriesDictionary();
    p.ws.send(JSON.stringify(dict.encode('stale-epoch', 1, round(t0))));
    await p.next('ack');
    // What a rolled-back ingest transaction does: the store rebuilds memory from the database.
    c.app.ctx.store.invalidate?.();
    p.ws.send(JSON.stringify(dict.encode('stale-epoch', 2, round(t0 + 15_000))));
    const closed = await p.closed;
    expect(closed.code).toBe(CLOSE_CODES.unavailable);
    expect(points(a.targetId, 'cpu_usage_percent').map(([t]) => t)).toEqual([t0]);

    const again = await connect3(a.bearer, a.agentId, 'stale-epoch');
    const fresh = new SeriesDictionary();
    again.ws.send(JSON.stringify(fresh.encode('stale-epoch', 2, round(t0 + 15_000))));
    expect(await again.next('ack')).toMatchObject({ seq: 2 });
    expect(points(a.targetId, 'cpu_usage_percent').map(([t]) => t)).toEqual([t0, t0 + 15_000]);
    again.ws.close();
  });
});

describe('keep-alive sweep', () => {
  it('pings only a quiet connection and drops one that never answers', async () => {
    const quick = await startTestCollector({}, { ingestLimits: { pingIntervalMs: 300 } });
    try {
      const a = await enrollAgent(quick, 'pc-quiet');
      const quiet = await openProbe(quick.url, a.bearer, { autoPong: false });
      let quietPings = 0;
      quiet.ws.on('ping', () => quietPings++);
      quiet.ws.send(hello3(a.agentId, 'quiet-epoch'));
      await quiet.next('welcome');

      const b = await enrollAgent(quick, 'pc-busy');
      const busy = await openProbe(quick.url, b.bearer);
      let busyPings = 0;
      busy.ws.on('ping', () => busyPings++);
      busy.ws.send(hello3(b.agentId, 'busy-epoch'));
      await busy.next('welcome');
      const dict = new SeriesDictionary();
      let seq = 0;
      const timer = setInterval(() => busy.ws.send(JSON.stringify(dict.encode('busy-epoch', ++seq, [{ name: 'load1', labels: {}, value: seq, timestamp: Date.now() }]))), 100);
      const closed = await quiet.closed;
      clearInterval(timer);
      // Pinged once after a quiet interval, terminated (1006, no close frame) an interval later.
      expect(quietPings).toBe(1);
      expect(closed.code).toBe(1006);
      expect(busyPings).toBe(0);
      expect(busy.ws.readyState).toBe(busy.ws.OPEN);
      busy.ws.close();
    } finally {
      await quick.stop();
    }
  });
});
