import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../support/processes.js';
import { apiKey, checkExactlyOnce, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, startFleet, workspace, type Fleet, tsOf } from './support.js';

/** Deterministic per seed (printed, overridable with HM_FAULT_SEED) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const AGENTS = 24;
const KILLS = 10;
const PER_BATCH = 4;

/*
 * Catalogue item 1: 24 agents report every 100 ms while the collector is
 * killed with SIGKILL at random moments, ten times. Afterwards every sample
 * any agent had acknowledged is stored exactly once, the database passes
 * PRAGMA integrity_check, and every agent reconnected and drained by itself.
 */
describe('collector SIGKILL under load', () => {
  const ws = workspace('kill');
  let collector: RunningProcess | undefined;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.proc.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    ws.cleanup();
  });

  it('keeps every acknowledged sample exactly once through repeated kill -9', async () => {
    const seed = Number(process.env.HM_FAULT_SEED ?? 0x5eed);
    const random = rng(seed);
    console.log(`collector-kill seed ${seed}`);
    const spec = collectorSpec(ws.dir, await freePort());
    collector = await startCollector(spec);
    const agents = await enrollMany(spec, AGENTS);
    const key = await apiKey(spec);
    const t0 = Date.now() - 6 * 3_600_000;
    fleet = startFleet({
      url: spec.url,
      agents: agents.map((a) => ({ ...a, spoolDir: join(ws.dir, 'spool', a.agentId) })),
      intervalMs: 100,
      samplesPerBatch: PER_BATCH,
      t0,
      spool: { maxBytes: 16 * 1024 * 1024, maxAgeMs: 86_400_000, fsync: 'always' },
      drain: { samplesPerSecond: 20_000 },
      backoff: { baseMs: 100, capMs: 1000, fatalMs: 5000 },
      reportMs: 250,
    });
    await fleet.waitUntil((rs) => rs.every((r) => r.acked > 0), 30_000, 'every agent acked once');

    // The highest ack each agent had seen just before each kill: all of it must survive.
    const ackedAtKill = new Map<string, number>();
    for (let i = 0; i < KILLS; i++) {
      await sleep(300 + Math.floor(random() * 1200));
      for (const r of fleet.latest().values()) ackedAtKill.set(r.agentId, Math.max(ackedAtKill.get(r.agentId) ?? 0, r.acked));
      await collector.stop('SIGKILL');
      await sleep(Math.floor(random() * 600));
      collector = await startCollector(spec);
    }

    // Stop producing; the agents must reconnect and drain on their own.
    fleet.signal('SIGUSR1');
    await sleep(500);
    const final = await fleet.waitUntil((rs) => rs.every((r) => r.paused && r.state === 'ready' && r.acked === r.nextSeq - 1), 60_000, 'every agent drained');

    let acked = 0;
    let stored = 0;
    for (const a of agents) {
      const r = final.find((x) => x.agentId === a.agentId)!;
      expect(r.acked).toBeGreaterThanOrEqual(ackedAtKill.get(a.agentId) ?? 0);
      const res = checkExactlyOnce(await faultPoints(spec.url, key, a.targetId, t0, tsOf(t0, r.nextSeq + 10)), r.acked, PER_BATCH, t0);
      acked += res.expected;
      stored += res.stored;
    }
    expect(stored).toBe(acked);
    // No agent ever saw the collector forget an acknowledged sequence.
    expect(fleet.proc.output()).not.toContain('below what it acknowledged');

    await fleet.proc.stop('SIGTERM');
    await collector.stop('SIGKILL');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
    console.log(JSON.stringify({ test: 'collector-kill', seed, agents: AGENTS, kills: KILLS, samplesAcked: acked, samplesStored: stored, integrity: 'ok' }));
  }, 170_000);
});
