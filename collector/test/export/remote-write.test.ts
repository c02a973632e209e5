import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/open.js';
import { decodeWriteRequest, type RwSeries } from '../../src/export/remote-write-proto.js';
import { RemoteWriteQueue, type QueueEndpoint } from '../../src/export/remote-write-queue.js';
import { RemoteWriteSender, type SenderEndpoint } from '../../src/export/remote-write-sender.js';
import { snappyDecompress } from '../../src/export/snappy.js';
import { waitUntil } from '../helpers.js';

const log = pino({ level: process.env.HM_TEST_LOG ?? 'silent' });
const labelsOf = (id: string): Array<[string, string]> => [['instance', `pc-${id}`], ['target_id', id]];
const sample = (metric: string, value: number, ts: number, labels: Record<string, string> = {}): { metric: string; labels: Record<string, string>; value: number; ts: number } => ({ metric, labels, value, ts });

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(os.tmpdir(), 'hm-rw-'));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function endpoint(over: Partial<QueueEndpoint> = {}): QueueEndpoint {
  return { name: 'district', maxBacklogBytes: 10_000_000, maxSamplesPerSend: 1000, externalLabels: [['school', 'north']], ...over };
}

function decodeRow(payload: Uint8Array): RwSeries[] {
  return decodeWriteRequest(snappyDecompress(payload));
}

describe('remote-write queue', () => {
  it('queues in memory, writes requests of at most maxSamplesPerSend on flush, with target, metric and external labels sorted', () => {
    const now = Date.now();
    const q = new RemoteWriteQueue(db, [endpoint({ maxSamplesPerSend: 3 })], labelsOf, { clock: () => now });
    q.push('h1', [sample('load1', 0.5, now, { cpu: 'all' }), sample('disk_used_percent', 93.1, now, { mount: '/', instance: 'clash' })]);
    q.push('h2', [sample('load1', 1, now), sample('load1', 2, now + 15_000)]);
    expect(db.prepare('SELECT count(*) FROM remote_write_queue').pluck().get()).toBe(0);
    expect(q.flush()).toBe(2);
    const first = q.oldest('district');
    expect(first?.samples).toBe(3);
    const series = decodeRow(first?.payload as Uint8Array);
    expect(series[0]?.labels).toEqual([['__name__', 'load1'], ['cpu', 'all'], ['instance', 'pc-h1'], ['school', 'north'], ['target_id', 'h1']]);
    expect(series[1]?.labels).toEqual([['__name__', 'disk_used_percent'], ['exported_instance', 'clash'], ['instance', 'pc-h1'], ['mount', '/'], ['school', 'north'], ['target_id', 'h1']]);
    expect(series[1]?.samples).toEqual([[now, 93.1]]);
    expect(q.counters('district')).toMatchObject({ enqueuedSamples: 4, backlogSamples: 4, backlogRows: 2 });
    expect(q.remove('district', first as NonNullable<typeof first>)).toBe(true);
    expect(q.counters('district')).toMatchObject({ backlogSamples: 1, backlogRows: 1 });
  });

  it('keeps its backlog across a restart and forgets endpoints no longer configured', () => {
    const now = Date.now();
    const q = new RemoteWriteQueue(db, [endpoint(), endpoint({ name: 'old' })], labelsOf, { clock: () => now });
    q.push('h1', [sample('load1', 1, now)]);
    q.flush();
    const again = new RemoteWriteQueue(db, [endpoint()], labelsOf, { clock: () => now });
    expect(again.counters('district')).toMatchObject({ backlogSamples: 1, backlogRows: 1 });
    expect(db.prepare("SELECT count(*) FROM remote_write_queue WHERE endpoint = 'old'").pluck().get()).toBe(0);
  });

  it('bounds the backlog by bytes, dropping the oldest requests and counting them', () => {
    const now = Date.now();
    const q = new RemoteWriteQueue(db, [endpoint({ maxBacklogBytes: 3000, maxSamplesPerSend: 10 })], labelsOf, { clock: () => now });
    for (let i = 0; i < 50; i++) {
      q.push('h1', Array.from({ length: 10 }, (_, k) => sample('m', Math.random(), now + i * 1000, { k: String(k) })));
      q.flush();
    }
    const c = q.counters('district');
    expect(c?.backlogBytes).toBeLessThanOrEqual(3000);
    expect(c?.dropped.backlog_full).toBeGreaterThan(0);
    expect((c?.dropped.backlog_full ?? 0) + (c?.backlogSamples ?? 0)).toBe(500);
    // The newest data is what is kept.
    const rows = db.prepare('SELECT payload FROM remote_write_queue ORDER BY id DESC LIMIT 1').pluck().all() as Buffer[];
    expect(decodeRow(rows[0] as Buffer)[0]?.samples[0]?.[0]).toBe(now + 49_000);
  });

  it('sends late batches (a spool draining, a clock far behind) in requests of their own', () => {
    const now = Date.now();
    const q = new RemoteWriteQueue(db, [endpoint()], labelsOf, { clock: () => now });
    q.push('h1', [sample('load1', 1, now)]);
    q.push('h1', [sample('load1', 0, now - 60_000)]);
    q.push('h2', [sample('load1', 0, now - 3 * 3_600_000)]);
    q.push('h3', [sample('load1', 3, now)]);
    q.flush();
    const rows = (db.prepare('SELECT payload FROM remote_write_queue ORDER BY id').pluck().all() as Buffer[]).map((p) => decodeRow(p).map((s) => s.samples[0]?.[1]));
    expect(rows).toEqual([[1, 3], [0, 0]]);
  });

  it('drops (and counts) what does not fit in memory while flushes fail to keep up', () => {
    const q = new RemoteWriteQueue(db, [endpoint()], labelsOf, { maxPendingSamples: 5 });
    q.push('h1', [sample('a', 1, Date.now()), sample('b', 1, Date.now()), sample('c', 1, Date.now())]);
    q.push('h1', [sample('a', 2, Date.now()), sample('b', 2, Date.now()), sample('c', 2, Date.now())]);
    expect(q.pendingSamples).toBe(3);
    expect(q.counters('district')?.dropped.overflow).toBe(3);
  });
});

describe('remote-write sender', () => {
  let server: Server;
  let url: string;
  let mode: (series: RwSeries[]) => number;
  const received: RwSeries[] = [];
  beforeEach(async () => {
    received.length = 0;
    mode = () => 204;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        expect(req.headers['content-encoding']).toBe('snappy');
        expect(req.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
        expect(req.headers.authorization).toBe('Bearer s3cret');
        const series = decodeWriteRequest(snappyDecompress(Buffer.concat(chunks)));
        const status = mode(series);
        if (status < 300) received.push(...series);
        res.writeHead(status).end(status >= 400 ? 'out of order sample' : '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  function sender(q: RemoteWriteQueue, over: Partial<SenderEndpoint> = {}): RemoteWriteSender {
    const ep: SenderEndpoint = { name: 'district', url, allowPrivateNetwork: true, timeoutMs: 2000, minBackoffMs: 50, maxBackoffMs: 200, headers: { authorization: 'Bearer s3cret' }, ...over };
    return new RemoteWriteSender({ queue: q, endpoints: [ep], logger: log, flushIntervalMs: 50, minSplitSeries: 1 });
  }

  it('retries through receiver errors and delivers everything in order', async () => {
    const q = new RemoteWriteQueue(db, [endpoint({ maxSamplesPerSend: 5 })], labelsOf);
    let failures = 4;
    mode = () => (failures-- > 0 ? 503 : 200);
    const s = sender(q);
    s.start();
    const t = Date.now();
    for (let i = 0; i < 20; i++) q.push('h1', [sample('seq', i, t + i)]);
    await waitUntil(() => received.length === 20, 10_000, 'all samples received');
    await s.stop();
    expect(received.map((r) => r.samples[0]?.[1])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(q.counters('district')).toMatchObject({ sentSamples: 20, backlogSamples: 0, failedRequests: 4 });
  });

  it('splits a refused request so only the refused samples are dropped', async () => {
    const q = new RemoteWriteQueue(db, [endpoint({ maxSamplesPerSend: 16 })], labelsOf);
    mode = (series) => (series.some((x) => x.labels.some(([k, v]) => k === 'bad' && v === 'yes')) ? 400 : 200);
    const s = sender(q);
    const t = Date.now();
    q.push('h1', Array.from({ length: 16 }, (_, i) => sample('m', i, t, i === 5 ? { bad: 'yes', i: String(i) } : { i: String(i) })));
    s.start();
    await waitUntil(() => q.counters('district')?.backlogRows === 0 && received.length > 0, 10_000, 'queue drained');
    await s.stop();
    expect(received).toHaveLength(15);
    expect(q.counters('district')?.dropped.rejected).toBe(1);
  });

  it('refuses loopback unless allowPrivateNetwork, keeping the data queued', async () => {
    const q = new RemoteWriteQueue(db, [endpoint()], labelsOf);
    const s = sender(q, { allowPrivateNetwork: false });
    q.push('h1', [sample('m', 1, Date.now())]);
    s.start();
    await waitUntil(() => (q.counters('district')?.failedRequests ?? 0) >= 1, 5000, 'a refused attempt');
    await s.stop();
    expect(received).toHaveLength(0);
    expect(q.counters('district')?.lastError).toMatch(/loopback.*allowPrivateNetwork/);
    expect(q.counters('district')?.backlogSamples).toBe(1);
  });
});

describe('remoteWrite and metrics config', () => {
  const base = { listen: '127.0.0.1:0', tls: { mode: 'off' } };
  it('applies defaults', () => {
    const c = resolveConfig({ ...base, remoteWrite: [{ name: 'd', url: 'https://vm.district.example/api/v1/write' }] }, 'test', { dataDir: dir });
    expect(c.metrics).toEqual({ public: false, maxAge: '10m' });
    expect(c.remoteWrite[0]).toMatchObject({ allowPrivateNetwork: false, maxSamplesPerSend: 5000, maxBacklog: '512MB', minBackoff: '1s', maxBackoff: '1m' });
  });
  it.each([
    [{ remoteWrite: [{ name: 'd', url: 'https://a/w' }, { name: 'd', url: 'https://b/w' }] }, /remoteWrite\[1\]\.name: duplicate/],
    [{ remoteWrite: [{ name: 'd', url: 'ftp://a/w' }] }, /remoteWrite\/0\/url|remoteWrite\[0\]\.url|url/],
    [{ remoteWrite: [{ name: 'd', url: 'https://u:p@a/w' }] }, /remoteWrite\[0\]\.url: put credentials/],
    [{ remoteWrite: [{ name: 'd', url: 'https://a/w', maxBacklog: '10KB' }] }, /remoteWrite\[0\]\.maxBacklog/],
    [{ remoteWrite: [{ name: 'd', url: 'https://a/w', minBackoff: '10s', maxBackoff: '1s' }] }, /remoteWrite\[0\]\.maxBackoff/],
    [{ metrics: { public: 'yes' } }, /metrics/],
  ])('refuses %j with a one-line error naming the field', (raw, msg) => {
    expect(() => resolveConfig({ ...base, ...raw }, 'test', { dataDir: dir })).toThrow(msg);
  });
});
