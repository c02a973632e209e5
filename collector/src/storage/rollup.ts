import type { Database, Statement } from 'better-sqlite3';
import { decodeChunk, encodeChunk } from './chunk.js';

/**
 * Downsampled buckets. Every bucket keeps count, sum, min, max and last, so
 * buckets of a fine tier combine exactly into a coarse one and a query can
 * mix tiers and raw data in one answer. NaN samples make a bucket exist but
 * are left out of the aggregates (count 0 ⇒ average NaN), as SQL's avg()
 * ignores NULL.
 */
export interface Bucket {
  ts: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

export type Aggregate = 'avg' | 'min' | 'max' | 'last' | 'sum' | 'count';

/** Column order inside a rollup chunk. */
const COLS = ['count', 'sum', 'min', 'max', 'last'] as const;

export function emptyBucket(ts: number): Bucket {
  return { ts, count: 0, sum: 0, min: Number.NaN, max: Number.NaN, last: Number.NaN };
}

export function addSample(b: Bucket, v: number): void {
  if (Number.isNaN(v)) return;
  b.count++;
  b.sum += v;
  b.min = b.count === 1 || v < b.min ? v : b.min;
  b.max = b.count === 1 || v > b.max ? v : b.max;
  b.last = v;
}

/** Folds a later partial bucket into `b`. */
export function addBucket(b: Bucket, p: Readonly<Bucket>): void {
  if (p.count === 0) return;
  b.min = b.count === 0 || p.min < b.min ? p.min : b.min;
  b.max = b.count === 0 || p.max > b.max ? p.max : b.max;
  b.count += p.count;
  b.sum += p.sum;
  b.last = p.last;
}

export function bucketValue(b: Readonly<Bucket>, agg: Aggregate): number {
  switch (agg) {
    case 'avg':
      return b.count > 0 ? b.sum / b.count : Number.NaN;
    case 'count':
      return b.count;
    case 'sum':
      return b.sum;
    default:
      return b[agg];
  }
}

/** Which rollup columns an aggregate needs (count always: it tells empty buckets apart). */
export function columnsFor(agg: Aggregate): boolean[] {
  const need = new Set<string>(['count', agg === 'avg' ? 'sum' : agg]);
  return COLS.map((c) => need.has(c));
}

export function encodeBuckets(buckets: readonly Bucket[]): Uint8Array {
  return encodeChunk(
    buckets.map((b) => b.ts),
    COLS.map((c) => buckets.map((b) => b[c])),
  );
}

export function decodeBuckets(data: Uint8Array, want?: readonly boolean[]): Bucket[] {
  const d = decodeChunk(data, want);
  const [count, sum, min, max, last] = d.columns;
  const out: Bucket[] = new Array(d.ts.length);
  for (let i = 0; i < d.ts.length; i++) {
    out[i] = {
      ts: d.ts[i] as number,
      count: count ? (count[i] as number) : 0,
      sum: sum ? (sum[i] as number) : 0,
      min: min ? (min[i] as number) : Number.NaN,
      max: max ? (max[i] as number) : Number.NaN,
      last: last ? (last[i] as number) : Number.NaN,
    };
  }
  return out;
}

/**
 * Groups buckets or samples into buckets of `stepMs`. Input is normally in
 * time order; a late sample for an earlier bucket (one not yet sealed) still
 * lands in the right bucket, only `last` may then be approximate.
 */
export class BucketBuilder {
  readonly #step: number;
  readonly #buckets = new Map<number, Bucket>();
  #cur: Bucket | undefined;
  #sorted = true;

  constructor(stepMs: number) {
    this.#step = stepMs;
  }

  #at(ts: number): Bucket {
    const start = ts - (((ts % this.#step) + this.#step) % this.#step);
    if (this.#cur && this.#cur.ts === start) return this.#cur;
    let b = this.#buckets.get(start);
    if (!b) {
      if (this.#cur && start < this.#cur.ts) this.#sorted = false;
      b = emptyBucket(start);
      this.#buckets.set(start, b);
    }
    this.#cur = b;
    return b;
  }

  sample(ts: number, v: number): void {
    addSample(this.#at(ts), v);
  }

  bucket(p: Readonly<Bucket>): void {
    addBucket(this.#at(p.ts), p);
  }

  get out(): Bucket[] {
    const list = [...this.#buckets.values()];
    return this.#sorted ? list : list.sort((a, b) => a.ts - b.ts);
  }
}

/** The `rollups` table: one compressed row of up to 240 buckets per (tier step, series, span). */
export class RollupTable {
  readonly #old: Statement;
  readonly #delete: Statement;
  readonly #insert: Statement;
  readonly #range: Statement;
  readonly #totals: Statement;

  constructor(db: Database) {
    this.#old = db.prepare('SELECT id, length(data) AS bytes FROM rollups WHERE step_ms = ? AND series_id = ? AND start_ts = ?');
    this.#delete = db.prepare('DELETE FROM rollups WHERE id = ?');
    this.#insert = db.prepare('INSERT INTO rollups (step_ms, series_id, start_ts, data) VALUES (?, ?, ?, ?)');
    this.#range = db.prepare('SELECT start_ts, data FROM rollups WHERE step_ms = ? AND series_id = ? AND start_ts > ? AND start_ts <= ? ORDER BY start_ts');
    this.#totals = db.prepare("UPDATE storage_totals SET chunks = chunks + ?, samples = samples + ?, bytes = bytes + ? WHERE kind = 'rollup'");
  }

  /** Replaces the span's row (recomputation after late data is the same write). */
  put(stepMs: number, seriesId: number, spanStart: number, buckets: readonly Bucket[]): void {
    const old = this.#old.get(stepMs, seriesId, spanStart) as { id: number; bytes: number } | undefined;
    if (old) {
      this.#delete.run(old.id);
      this.#totals.run(-1, 0, -old.bytes);
    }
    if (buckets.length === 0) return;
    const data = encodeBuckets(buckets);
    this.#insert.run(stepMs, seriesId, spanStart, data);
    this.#totals.run(1, 0, data.length);
  }

  /** Buckets with fromMs ≤ ts ≤ toMs, in time order. */
  read(stepMs: number, spanMs: number, seriesId: number, fromMs: number, toMs: number, want?: readonly boolean[]): Bucket[] {
    const rows = this.#range.all(stepMs, seriesId, fromMs - spanMs, toMs) as Array<{ start_ts: number; data: Buffer }>;
    const out: Bucket[] = [];
    for (const r of rows) for (const b of decodeBuckets(r.data, want)) if (b.ts >= fromMs && b.ts <= toMs) out.push(b);
    return out;
  }
}
