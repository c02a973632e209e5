import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRequest, type RunningProcess } from '../support/processes.js';
import { apiKey, checkExactlyOnce, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, startFleet, workspace, type Fleet, type FleetReport, tsOf } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const AGENTS = 3;
const PER_BATCH = 20;
const MAX_BYTES = 512 * 1024;
const SEGMENT = 32 * 1024;
const DRAIN_RATE = 1000;

interface Gap {
  fromSeq: number;
  toSeq: number;
  from: string | null;
  to: string | null;
  droppedSamples: number;
  droppedBatches: number;
  reason: string;
}

/*
 * Catalogue item 2, a weekend compressed into seconds: the collector is down
 * while agents write ~100 batches/s each into a 512 KiB spool. The spool must
 * stay within its cap (dropping the oldest segments and recording gaps) with
 * flat memory; after the collector returns, the backlog drains no faster than
 * the configured rate while freshly collected batches are stored at once, and
 * every sequence is accounted for: stored exactly once, or inside a gap the
 * API reports.
 */
describe('collector down for a long stretch', () => {
  const ws = workspace('outage');
  let collector: RunningProcess | undefined;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.proc.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    ws.cleanup();
  });

  it('bounds the spool, records the gap, and drains at a bounded rate while live data flows', async () => {
    const spec = collectorSpec(ws.dir, await freePort());
    collector = await startCollector(spec);
    const agents = await enrollMany(spec, AGENTS, 'outage');
    const key = await apiKey(spec);
    await collector.stop('SIGTERM');

    const t0 = Date.now() - 6 * 3_600_000;
    fleet = startFleet({
      url: spec.url,
      agents: agents.map((a) => ({ ...a, spoolDir: join(ws.dir, 'spool', a.agentId) })),
      intervalMs: 100,
      fastIntervalMs: 5,
      samplesPerBatch: PER_BATCH,
      t0,
      spool: { maxBytes: MAX_BYTES, segmentBytes: SEGMENT, maxAgeMs: 86_400_000, fsync: 'always' },
      drain: { samplesPerSecond: DRAIN_RATE, windowBatches: 16 },
      backoff: { baseMs: 200, capMs: 500, fatalMs: 5000 },
      reportMs: 200,
    });
    await fleet.waitUntil((rs) => rs.every((r) => r.nextSeq > 1), 15_000, 'fleet running');
    fleet.signal('SIGHUP'); // the outage, fast-forwarded
    const capped = await fleet.waitUntil((rs) => rs.every((r) => r.fast && r.gaps >= 3), 60_000, 'spool cap hit three times');
    const heapAtCap = Math.max(...capped.map((r) => r.heapUsed));
    await sleep(3000);
    fleet.signal('SIGHUP'); // back to a normal pace before the collector returns
    await sleep(300);
    const offline = [...fleet.latest().values()];
    const maxBytesSeen = Math.max(...fleet.all().map((r) => r.bytes));
    const heapGrowth = Math.max(...offline.map((r) => r.heapUsed)) - heapAtCap;
    expect(maxBytesSeen).toBeLessThanOrEqual(MAX_BYTES);
    expect(heapGrowth).toBeLessThan(24 * 1024 * 1024);

    const backlog = new Map(offline.map((r) => [r.agentId, r.queued]));
    collector = await startCollector(spec);
    const connectedAt = Date.now();
    // Mid-drain: a fresh batch must already be stored while the contiguous ack is still far behind it.
    let liveAhead = 0;
    const first = agents[0]!;
    let drainedAt = 0;
    while (Date.now() - connectedAt < 60_000) {
      const r = fleet.latest().get(first.agentId) as FleetReport;
      const pts = await faultPoints(spec.url, key, first.targetId, t0, tsOf(t0, r.nextSeq + 10)).catch(() => []);
      const newest = pts.reduce((m, p) => Math.max(m, p.value), 0);
      if (r.state === 'ready' && newest > r.acked + 16) liveAhead = Math.max(liveAhead, newest - r.acked);
      if ([...fleet.latest().values()].every((x) => x.nextSeq - 1 - x.acked <= 2 && x.state === 'ready')) {
        drainedAt = Date.now();
        break;
      }
      await sleep(200);
    }
    expect(drainedAt).toBeGreaterThan(0);
    const drainSeconds = (drainedAt - connectedAt) / 1000;
    const backlogSamples = [...backlog.values()].reduce((n, b) => n + b, 0) * PER_BATCH;
    // Per agent: the backlog minus the bucket's initial burst (2,000) cannot go faster than the rate.
    const perAgentSamples = backlogSamples / AGENTS;
    expect(drainSeconds).toBeGreaterThan(((perAgentSamples - 2000) / DRAIN_RATE) * 0.7);
    expect(liveAhead).toBeGreaterThan(16);

    fleet.signal('SIGUSR1');
    await sleep(300);
    const final = await fleet.waitUntil((rs) => rs.every((r) => r.paused && r.acked === r.nextSeq - 1 && r.gaps === 0), 30_000, 'drained, gaps acknowledged');
    let stored = 0;
    let droppedSamples = 0;
    let gapCount = 0;
    for (const a of agents) {
      const r = final.find((x) => x.agentId === a.agentId)!;
      const res = await apiRequest(`${spec.url}/api/v1/hosts/${a.targetId}/gaps?from=0`, { key });
      expect(res.status).toBe(200);
      const gaps = (res.json as { gaps: Gap[] }).gaps;
      expect(gaps.length).toBeGreaterThanOrEqual(3);
      for (const g of gaps) {
        expect(g.reason).toBe('spool_cap');
        expect(g.droppedBatches).toBe(g.toSeq - g.fromSeq + 1);
        expect(g.droppedSamples).toBe(g.droppedBatches * PER_BATCH);
        expect(Date.parse(g.from ?? '')).toBe(tsOf(t0, g.fromSeq));
        expect(Date.parse(g.to ?? '')).toBe(tsOf(t0, g.toSeq));
      }
      const inGap = (seq: number): boolean => gaps.some((g) => g.fromSeq <= seq && seq <= g.toSeq);
      const check = checkExactlyOnce(await faultPoints(spec.url, key, a.targetId, t0, tsOf(t0, r.nextSeq + 10)), r.acked, PER_BATCH, t0, inGap);
      // Every sequence handed out is either stored or inside a reported gap.
      const gapBatches = gaps.reduce((n, g) => n + g.droppedBatches, 0);
      expect(check.stored / PER_BATCH + gapBatches).toBe(r.nextSeq - 1);
      stored += check.stored;
      droppedSamples += gaps.reduce((n, g) => n + g.droppedSamples, 0);
      gapCount += gaps.length;
    }
    await fleet.proc.stop('SIGTERM');
    await collector.stop('SIGTERM');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
    console.log(
      JSON.stringify({
        test: 'outage',
        agents: AGENTS,
        spoolCapBytes: MAX_BYTES,
        maxSpoolBytesSeen: maxBytesSeen,
        heapGrowthBytesWhileCapped: heapGrowth,
        backlogSamples,
        drainSeconds,
        drainSamplesPerSecondPerAgent: Math.round(perAgentSamples / drainSeconds),
        drainRateBound: DRAIN_RATE,
        liveBatchesAheadOfBacklog: liveAhead,
        liveBatchesSent: final.reduce((n, r) => n + r.stats.liveBatches, 0),
        gaps: gapCount,
        droppedSamples,
        storedSamples: stored,
      }),
    );
  }, 170_000);
});
