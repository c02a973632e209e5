import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openDatabase } from '../src/db/open.js';
import { GroupCommitter, MAX_GROUP, type CommitOutcome } from '../src/ingest/group-commit.js';
import { resolveStorageConfig } from '../src/storage/config.js';
import { ChunkedSampleStore } from '../src/storage/chunked-store.js';
import { Targets } from '../src/targets/targets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(windowMs: number) {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-commit-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  const t0 = Date.now();
  const store = new ChunkedSampleStore(db, { config: resolveStorageConfig({}), clock: () => t0 });
  const targets = new Targets(db);
  const committer = new GroupCommitter(db, store, targets, pino({ level: 'silent' }), () => t0, windowMs);
  let commits = 0;
  committer.onCommit = () => commits++;
  const agents = Array.from({ length: 2 * MAX_GROUP + 10 }, (_, i) => targets.create({ name: `lab-pc-${i}`, kind: 'host', agentId: `ag_${i}`, now: t0 }));
  const batch = (i: number, seq = 1) => ({
    agentId: `ag_${i}`,
    targetId: (agents[i] as { id: string }).id,
    epoch: 'e1',
    seq,
    samples: [{ metric: 'cpu_usage_percent', labels: {}, value: i, ts: t0 - 1000 }],
  });
  return { db, store, committer, batch, t0, commits: () => commits };
}

/** Resolves with the outcomes, or with 'stalled' if they do not all settle in time. */
function settled(ps: Array<Promise<CommitOutcome>>, ms: number): Promise<CommitOutcome[] | 'stalled'> {
  return Promise.race([Promise.all(ps), new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), ms).unref())]);
}

describe('group commit', () => {
  it('commits batches arriving within the window together and acks each after the commit', async () => {
    const { committer, batch, commits, store, t0 } = setup(10);
    const ps = [0, 1, 2].map((i) => committer.submit(batch(i)));
    const out = await settled(ps, 5_000);
    expect(out).not.toBe('stalled');
    expect(out).toEqual([0, 1, 2].map(() => ({ ok: true, stored: true, highWater: 1 })));
    expect(commits()).toBe(1);
    // Stored: the second agent's sample is there.
    const pts = store.query({ targetId: batch(1).targetId, metric: 'cpu_usage_percent', fromMs: t0 - 60_000, toMs: t0 }).flatMap((s) => s.points);
    expect(pts).toEqual([[t0 - 1000, 1]]);
  });

  it('flushes at once when a full group arrives while a window is pending, and keeps flushing after', async () => {
    // A window far longer than the test: only the full-group path can commit these.
    const { committer, batch, commits } = setup(600_000);
    const first = committer.submit(batch(0));
    // The group fills up in this turn; the few after it join the same flush.
    const burst = Array.from({ length: MAX_GROUP + 5 }, (_, i) => committer.submit(batch(i + 1)));
    const out = await settled([first, ...burst], 5_000);
    expect(out).not.toBe('stalled');
    expect(commits()).toBe(1);
    expect((out as CommitOutcome[]).every((o) => o.ok)).toBe(true);
    // And the committer is ready for the next full group.
    const more = Array.from({ length: MAX_GROUP }, (_, i) => committer.submit(batch(i + MAX_GROUP + 6)));
    const rest = await settled(more, 5_000);
    expect(rest).not.toBe('stalled');
    expect(commits()).toBe(2);
  });
});
