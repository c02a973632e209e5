import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRequest, type RunningProcess } from '../support/processes.js';
import { apiKey, checkExactlyOnce, collectorSpec, enrollMany, faultPoints, freePort, startCollector, startFleet, workspace, type Fleet, tsOf } from './support.js';

const PER_BATCH = 3;
const POISON = 7;

/*
 * A spooled batch the collector can never accept (a label over the wire
 * limit) must not become a reconnect loop that blocks everything behind it:
 * the agent checks each batch as the collector will, gives an impossible one
 * up as a `spool_corrupt` gap, and keeps delivering the rest exactly once.
 */
describe('a batch the collector can never accept', () => {
  const ws = workspace('poison');
  let collector: RunningProcess | undefined;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.proc.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    ws.cleanup();
  });

  it('is reported as a gap and does not block the batches after it', async () => {
    const spec = collectorSpec(ws.dir, await freePort());
    collector = await startCollector(spec);
    const [a] = await enrollMany(spec, 1, 'poison');
    const key = await apiKey(spec);
    const t0 = Date.now() - 6 * 3_600_000;
    fleet = startFleet({ url: spec.url, agents: [{ ...a!, spoolDir: join(ws.dir, 'spool') }], intervalMs: 50, samplesPerBatch: PER_BATCH, t0, spool: { maxBytes: 8 * 1024 * 1024, maxAgeMs: 86_400_000 }, poisonEvery: POISON, reportMs: 200 });
    await fleet.waitUntil((rs) => rs.every((r) => r.acked >= 5 * POISON), 30_000, 'acks past several poisoned batches');
    fleet.signal('SIGUSR1');
    const [r] = await fleet.waitUntil((rs) => rs.every((x) => x.paused && x.acked === x.nextSeq - 1), 30_000, 'drained');
    const poisoned = (seq: number): boolean => seq % POISON === 0;
    const check = checkExactlyOnce(await faultPoints(spec.url, key, a!.targetId, t0, tsOf(t0, r!.nextSeq + 10)), r!.acked, PER_BATCH, t0, poisoned);
    const gaps = ((await apiRequest(`${spec.url}/api/v1/hosts/${a!.targetId}/gaps?from=0`, { key })).json as { gaps: Array<{ fromSeq: number; reason: string }> }).gaps;
    expect(gaps.map((g) => g.fromSeq)).toEqual(Array.from({ length: Math.floor(r!.acked / POISON) }, (_, i) => (i + 1) * POISON));
    expect(gaps.every((g) => g.reason === 'spool_corrupt')).toBe(true);
    // The collector never had to close the link over it.
    expect(fleet.proc.output()).not.toMatch(/"code":4000/);
    console.log(JSON.stringify({ test: 'poison-batch', acked: r!.acked, poisonedBatchesAsGaps: gaps.length, samplesStored: check.stored }));
  }, 90_000);
});
