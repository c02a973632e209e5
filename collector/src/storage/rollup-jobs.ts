import type { Database, Statement } from 'better-sqlite3';
import { CHUNK_WINDOW_MS, type ChunkTable } from './chunk-table.js';
import type { ResolvedTier } from './config.js';
import { BucketBuilder, type Bucket, type RollupTable } from './rollup.js';
import { decimalsFor } from './value-codec.js';

interface Cursor {
  readonly spanStart: number;
  readonly ids: number[];
  pos: number;
}

/**
 * Computes rollup tiers in the background, span by span: tier 0 from sealed
 * raw chunks, tier i from tier i-1. A tier's watermark says every span before
 * it is computed for every series; queries read the tier up to its watermark
 * and finer data after it. Late samples sealed into an already-summarized
 * window mark that span dirty; it is recomputed and the change cascades up.
 * Work is resumable (a cursor over series ids) and idempotent (rows are
 * replaced), so a crash mid-span only repeats work.
 */
export class RollupJobs {
  readonly #db: Database;
  readonly #tiers: readonly ResolvedTier[];
  readonly #chunks: ChunkTable;
  readonly #rollups: RollupTable;
  readonly #lateGraceMs: number;
  readonly #wm: Array<number | undefined> = [];
  readonly #cursor: Array<Cursor | undefined> = [];
  readonly #setWm: Statement;
  readonly #markDirty: Statement;
  readonly #dirty: Statement;
  readonly #clearDirty: Statement;
  readonly #rawSeries: Statement;
  readonly #tierSeries: Statement;
  readonly #rawFirst: Statement;
  readonly #tierFirst: Statement;

  constructor(db: Database, tiers: readonly ResolvedTier[], chunks: ChunkTable, rollups: RollupTable, lateGraceMs: number) {
    this.#db = db;
    this.#tiers = tiers;
    this.#chunks = chunks;
    this.#rollups = rollups;
    this.#lateGraceMs = lateGraceMs;
    this.#setWm = db.prepare('INSERT OR REPLACE INTO rollup_state (step_ms, watermark) VALUES (?, ?)');
    this.#markDirty = db.prepare('INSERT OR IGNORE INTO rollup_dirty (step_ms, series_id, span_start) VALUES (?, ?, ?)');
    this.#dirty = db.prepare('SELECT series_id, span_start FROM rollup_dirty WHERE step_ms = ? LIMIT 64');
    this.#clearDirty = db.prepare('DELETE FROM rollup_dirty WHERE step_ms = ? AND series_id = ? AND span_start = ?');
    // A chunk ends within its window, so end_ts < spanEnd + window bounds the index range.
    this.#rawSeries = db.prepare('SELECT DISTINCT series_id FROM chunks WHERE end_ts >= ? AND end_ts < ? AND start_ts < ? ORDER BY series_id');
    this.#tierSeries = db.prepare('SELECT DISTINCT series_id FROM rollups WHERE step_ms = ? AND start_ts >= ? AND start_ts < ? ORDER BY series_id');
    this.#rawFirst = db.prepare('SELECT min(end_ts) AS t FROM chunks');
    this.#tierFirst = db.prepare('SELECT min(start_ts) AS t FROM rollups WHERE step_ms = ?');
  }

  load(): void {
    const rows = this.#db.prepare('SELECT step_ms, watermark FROM rollup_state').all() as Array<{ step_ms: number; watermark: number }>;
    const byStep = new Map(rows.map((r) => [r.step_ms, r.watermark]));
    this.#tiers.forEach((t, i) => {
      this.#wm[i] = byStep.get(t.stepMs);
      this.#cursor[i] = undefined;
    });
  }

  /** Everything before this is summarized in tier i (undefined: nothing yet). */
  watermark(i: number): number | undefined {
    return this.#wm[i];
  }

  /** Called inside the seal transaction when a raw window is (re)written. */
  rawWindowChanged(seriesId: number, windowStart: number): void {
    const t = this.#tiers[0];
    const wm = this.#wm[0];
    if (!t || wm === undefined || windowStart >= wm) return;
    for (let s = windowStart - (windowStart % t.spanMs); s < windowStart + CHUNK_WINDOW_MS && s < wm; s += t.spanMs) this.#markDirty.run(t.stepMs, seriesId, s);
  }

  #compute(i: number, seriesId: number, spanStart: number): Bucket[] {
    const t = this.#tiers[i] as ResolvedTier;
    const end = spanStart + t.spanMs - 1;
    const bb = new BucketBuilder(t.stepMs);
    let decimals: number;
    if (i === 0) {
      const p = this.#chunks.read(seriesId, spanStart, end);
      for (let k = 0; k < p.ts.length; k++) bb.sample(p.ts[k] as number, p.values[k] as number);
      decimals = decimalsFor(p.values);
    } else {
      const prev = this.#tiers[i - 1] as ResolvedTier;
      const src = this.#rollups.read(prev.stepMs, prev.spanMs, seriesId, spanStart, end);
      for (const b of src) bb.bucket(b);
      decimals = decimalsFor(src.map((b) => b.sum));
    }
    const out = bb.out;
    // Sums of short decimals (percentages) pick up binary noise (12.34 + 5.67 = 18.009999999999998)
    // that costs 8 bytes per bucket; when every input has ≤ d decimals the exact sum has too.
    if (decimals >= 0) {
      const scale = 10 ** decimals;
      for (const b of out) b.sum = Math.round(b.sum * scale) / scale;
    }
    return out;
  }

  #first(i: number): number | undefined {
    const t = this.#tiers[i] as ResolvedTier;
    const row = (i === 0 ? this.#rawFirst.get() : this.#tierFirst.get((this.#tiers[i - 1] as ResolvedTier).stepMs)) as { t: number | null };
    if (row.t === null) return undefined;
    const from = i === 0 ? Math.max(0, row.t - CHUNK_WINDOW_MS) : row.t;
    return from - (from % t.spanMs);
  }

  /**
   * Does rollup work until `deadline` (performance.now()). `openBefore` is the
   * oldest open head window: raw data before it is all sealed.
   */
  run(now: number, deadline: number, openBefore: number): { spans: number; more: boolean } {
    let spans = 0;
    for (let i = 0; i < this.#tiers.length; i++) {
      const t = this.#tiers[i] as ResolvedTier;
      if (!this.#recomputeDirty(i, deadline)) return { spans, more: true };
      for (;;) {
        if (performance.now() > deadline) return { spans, more: true };
        let wm = this.#wm[i];
        if (wm === undefined) {
          wm = this.#first(i);
          if (wm === undefined) break;
        }
        const spanEnd = wm + t.spanMs;
        const ready = i === 0 ? spanEnd + this.#lateGraceMs <= now && spanEnd <= openBefore : spanEnd <= (this.#wm[i - 1] ?? Number.NEGATIVE_INFINITY);
        if (!ready) break;
        let cur = this.#cursor[i];
        if (!cur || cur.spanStart !== wm) {
          const rows = (i === 0 ? this.#rawSeries.all(wm, spanEnd + CHUNK_WINDOW_MS, spanEnd) : this.#tierSeries.all((this.#tiers[i - 1] as ResolvedTier).stepMs, wm, spanEnd)) as Array<{ series_id: number }>;
          cur = { spanStart: wm, ids: rows.map((r) => r.series_id), pos: 0 };
          this.#cursor[i] = cur;
        }
        const c = cur;
        const span = wm;
        const stop = Math.min(c.ids.length, c.pos + 128);
        this.#db.transaction(() => {
          for (let k = c.pos; k < stop; k++) {
            const id = c.ids[k] as number;
            this.#rollups.put(t.stepMs, id, span, this.#compute(i, id, span));
          }
          if (stop >= c.ids.length) this.#setWm.run(t.stepMs, spanEnd);
        })();
        // Only after the commit: a failed transaction must not skip series.
        c.pos = stop;
        if (c.pos >= c.ids.length) {
          this.#wm[i] = spanEnd;
          this.#cursor[i] = undefined;
          spans++;
        }
      }
    }
    return { spans, more: false };
  }

  /** Recomputes spans that late data changed; false when the deadline cut it short. */
  #recomputeDirty(i: number, deadline: number): boolean {
    const t = this.#tiers[i] as ResolvedTier;
    const next = this.#tiers[i + 1];
    for (;;) {
      const rows = this.#dirty.all(t.stepMs) as Array<{ series_id: number; span_start: number }>;
      if (rows.length === 0) return true;
      if (performance.now() > deadline) return false;
      this.#db.transaction(() => {
        for (const r of rows) {
          this.#rollups.put(t.stepMs, r.series_id, r.span_start, this.#compute(i, r.series_id, r.span_start));
          this.#clearDirty.run(t.stepMs, r.series_id, r.span_start);
          const nwm = this.#wm[i + 1];
          if (next && nwm !== undefined && r.span_start < nwm) this.#markDirty.run(next.stepMs, r.series_id, r.span_start - (r.span_start % next.spanMs));
        }
      })();
    }
  }
}
