import type { Database, Statement } from 'better-sqlite3';
import type { ResolvedStorageConfig } from './config.js';
import type { RollupJobs } from './rollup-jobs.js';
import { dbSpace } from './size-budget.js';

const BATCH = 2000;

export interface RetentionResult {
  rawChunks: number;
  rollupRows: number;
  /** True when the deadline stopped work that remains. */
  more: boolean;
  /** True when the database is still over its size budget. */
  overBudget: boolean;
}

/**
 * Deletes data past its tier's age, then — if the database is still over its
 * size budget — the oldest data of whichever tier is furthest into its own
 * retention, so the budget shortens every tier in proportion.
 *
 * By age, exactly: a raw chunk goes when its newest sample is older than the
 * cutoff (now − raw); a rollup row when its whole span is. Data is never
 * deleted by age before the next tier has summarized it (it would be lost
 * instead of downsampled). The size budget overrides that: disk is finite.
 */
export class Retention {
  readonly #db: Database;
  readonly #cfg: ResolvedStorageConfig;
  readonly #jobs: RollupJobs;
  readonly #rawAged: Statement;
  readonly #rawOldest: Statement;
  readonly #rawFirst: Statement;
  readonly #tierAged: Statement;
  readonly #tierOldest: Statement;
  readonly #tierFirst: Statement;
  readonly #unknownTiers: Statement;
  readonly #totals: Statement;
  #unknownLeft = true;

  constructor(db: Database, cfg: ResolvedStorageConfig, jobs: RollupJobs) {
    this.#db = db;
    this.#cfg = cfg;
    this.#jobs = jobs;
    this.#rawAged = db.prepare(`DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE end_ts < ? ORDER BY end_ts LIMIT ${BATCH}) RETURNING count, length(data) AS bytes`);
    this.#rawOldest = db.prepare('DELETE FROM chunks WHERE id IN (SELECT id FROM chunks ORDER BY end_ts LIMIT 500) RETURNING count, length(data) AS bytes');
    this.#rawFirst = db.prepare('SELECT min(end_ts) AS t FROM chunks');
    this.#tierAged = db.prepare(`DELETE FROM rollups WHERE id IN (SELECT id FROM rollups WHERE step_ms = ? AND start_ts <= ? LIMIT ${BATCH}) RETURNING 0 AS count, length(data) AS bytes`);
    this.#tierOldest = db.prepare('DELETE FROM rollups WHERE id IN (SELECT id FROM rollups WHERE step_ms = ? ORDER BY start_ts LIMIT 500) RETURNING 0 AS count, length(data) AS bytes');
    this.#tierFirst = db.prepare('SELECT min(start_ts) AS t FROM rollups WHERE step_ms = ?');
    const steps = cfg.tiers.map((t) => t.stepMs).join(',');
    // Tiers dropped from the config are deleted rather than kept forever.
    this.#unknownTiers = db.prepare(`DELETE FROM rollups WHERE id IN (SELECT id FROM rollups WHERE step_ms NOT IN (${steps || '-1'}) LIMIT ${BATCH}) RETURNING 0 AS count, length(data) AS bytes`);
    this.#totals = db.prepare('UPDATE storage_totals SET chunks = chunks - ?, samples = samples - ?, bytes = bytes - ? WHERE kind = ?');
  }

  #delete(stmt: Statement, kind: 'raw' | 'rollup', ...args: number[]): number {
    return this.#db.transaction(() => {
      const rows = stmt.all(...args) as Array<{ count: number; bytes: number }>;
      let samples = 0;
      let bytes = 0;
      for (const r of rows) {
        samples += r.count;
        bytes += r.bytes;
      }
      if (rows.length) this.#totals.run(rows.length, samples, bytes, kind);
      return rows.length;
    })();
  }

  /** Raw chunks with end_ts below this are deleted by age. */
  rawCutoff(now: number): number {
    const wm = this.#cfg.tiers.length ? (this.#jobs.watermark(0) ?? Number.NEGATIVE_INFINITY) : Number.POSITIVE_INFINITY;
    return Math.min(now - this.#cfg.rawKeepMs, wm);
  }

  /** Rollup rows of tier i with start_ts at or below this are deleted by age. */
  tierCutoff(i: number, now: number): number {
    const t = this.#cfg.tiers[i];
    if (!t) return Number.NEGATIVE_INFINITY;
    const next = i + 1 < this.#cfg.tiers.length ? (this.#jobs.watermark(i + 1) ?? Number.NEGATIVE_INFINITY) : Number.POSITIVE_INFINITY;
    return Math.min(now - t.keepMs, next) - t.spanMs;
  }

  run(now: number, deadline: number): RetentionResult {
    const res: RetentionResult = { rawChunks: 0, rollupRows: 0, more: false, overBudget: false };
    const timeUp = (): boolean => performance.now() > deadline;
    const raw = this.rawCutoff(now);
    if (Number.isFinite(raw)) {
      for (let n = BATCH; n === BATCH; ) {
        if (timeUp()) return { ...res, more: true };
        n = this.#delete(this.#rawAged, 'raw', raw);
        res.rawChunks += n;
      }
    }
    for (let i = 0; i < this.#cfg.tiers.length; i++) {
      const cut = this.tierCutoff(i, now);
      if (!Number.isFinite(cut)) continue;
      for (let n = BATCH; n === BATCH; ) {
        if (timeUp()) return { ...res, more: true };
        n = this.#delete(this.#tierAged, 'rollup', (this.#cfg.tiers[i] as { stepMs: number }).stepMs, cut);
        res.rollupRows += n;
      }
    }
    // NOT IN cannot use an index: check for dropped tiers once per process, until none are left.
    while (this.#unknownLeft) {
      if (timeUp()) return { ...res, more: true };
      const n = this.#delete(this.#unknownTiers, 'rollup');
      res.rollupRows += n;
      if (n < BATCH) this.#unknownLeft = false;
    }
    while (dbSpace(this.#db).usedBytes > this.#cfg.maxBytes) {
      if (timeUp()) return { ...res, more: true, overBudget: true };
      const level = this.#furthestIntoRetention(now);
      if (level === undefined) return { ...res, overBudget: true };
      if (level < 0) res.rawChunks += this.#delete(this.#rawOldest, 'raw');
      else res.rollupRows += this.#delete(this.#tierOldest, 'rollup', (this.#cfg.tiers[level] as { stepMs: number }).stepMs);
    }
    return res;
  }

  /** -1 for raw, i for tier i: whichever holds data furthest back relative to its retention. */
  #furthestIntoRetention(now: number): number | undefined {
    let best: number | undefined;
    let bestRatio = Number.NEGATIVE_INFINITY;
    const consider = (level: number, oldest: number | null, keepMs: number): void => {
      if (oldest === null) return;
      const ratio = (now - oldest) / keepMs;
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = level;
      }
    };
    consider(-1, (this.#rawFirst.get() as { t: number | null }).t, this.#cfg.rawKeepMs);
    this.#cfg.tiers.forEach((t, i) => consider(i, (this.#tierFirst.get(t.stepMs) as { t: number | null }).t, t.keepMs));
    return best;
  }
}
