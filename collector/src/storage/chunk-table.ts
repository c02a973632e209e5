import type { Database, Statement } from 'better-sqlite3';
import { decodeChunk, encodeChunk } from './chunk.js';

/** Samples are grouped per series into windows aligned to this; a chunk never crosses a window edge. */
export const CHUNK_WINDOW_MS = 3_600_000;
/** A window with more samples (sub-minute intervals) is split into several chunks. */
export const MAX_CHUNK_SAMPLES = 600;

export function windowStart(ts: number): number {
  return ts - (ts % CHUNK_WINDOW_MS);
}

export interface ChunkRow {
  readonly id: number;
  readonly start_ts: number;
  readonly end_ts: number;
  readonly count: number;
  readonly head_hw: number;
  readonly data: Buffer;
}

export interface Points {
  readonly ts: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * The `chunks` table: compressed raw samples, one row per (series, window,
 * piece). Rows go in roughly time order, so retention frees whole pages from
 * the front of the table instead of punching holes everywhere.
 */
export class ChunkTable {
  readonly #insert: Statement;
  readonly #inRange: Statement;
  readonly #inWindow: Statement;
  readonly #last: Statement;
  readonly #deleteWindow: Statement;
  readonly #addTotals: Statement;
  /** Totals changes waiting for the end of a batch (null: outside one, written at once). */
  #pending: { chunks: number; samples: number; bytes: number } | null = null;

  constructor(db: Database) {
    this.#insert = db.prepare('INSERT INTO chunks (series_id, start_ts, end_ts, count, head_hw, data) VALUES (?, ?, ?, ?, ?, ?)');
    // start_ts > from - window bounds the index scan: a chunk ends within its window.
    this.#inRange = db.prepare('SELECT start_ts, end_ts, count, data FROM chunks WHERE series_id = ? AND start_ts > ? AND start_ts <= ? AND end_ts >= ? ORDER BY start_ts');
    this.#inWindow = db.prepare('SELECT id, start_ts, end_ts, count, head_hw, data FROM chunks WHERE series_id = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts');
    this.#deleteWindow = db.prepare('DELETE FROM chunks WHERE series_id = ? AND start_ts >= ? AND start_ts < ?');
    this.#last = db.prepare('SELECT start_ts, end_ts, data FROM chunks WHERE series_id = ? ORDER BY start_ts DESC LIMIT 1');
    this.#addTotals = db.prepare("UPDATE storage_totals SET chunks = chunks + ?, samples = samples + ?, bytes = bytes + ? WHERE kind = 'raw'");
  }

  /** Writes sorted, de-duplicated points of one window as one or more chunks. */
  write(seriesId: number, p: Points, headHw: number): void {
    const n = p.ts.length;
    let bytes = 0;
    let chunks = 0;
    for (let from = 0; from < n; from += MAX_CHUNK_SAMPLES) {
      const to = Math.min(n, from + MAX_CHUNK_SAMPLES);
      const ts = Array.prototype.slice.call(p.ts, from, to) as number[];
      const values = Array.prototype.slice.call(p.values, from, to) as number[];
      const data = encodeChunk(ts, [values]);
      this.#insert.run(seriesId, ts[0], ts[ts.length - 1], ts.length, headHw, data);
      bytes += data.length;
      chunks++;
    }
    if (n > 0) this.#addToTotals(chunks, n, bytes);
  }

  /**
   * Runs `fn` (inside the caller's transaction) with the storage totals kept in
   * memory and written once at its end: a seal batch otherwise updated the
   * totals row two or three times per window. Changes made by an `fn` that
   * throws are dropped with its transaction.
   */
  batch<T>(fn: () => T): T {
    const p = { chunks: 0, samples: 0, bytes: 0 };
    this.#pending = p;
    try {
      const out = fn();
      if (p.chunks !== 0 || p.samples !== 0 || p.bytes !== 0) this.#addTotals.run(p.chunks, p.samples, p.bytes);
      return out;
    } finally {
      this.#pending = null;
    }
  }

  #addToTotals(chunks: number, samples: number, bytes: number): void {
    const p = this.#pending;
    if (p === null) {
      this.#addTotals.run(chunks, samples, bytes);
      return;
    }
    p.chunks += chunks;
    p.samples += samples;
    p.bytes += bytes;
  }

  /** Chunk rows of one window, for merging late samples. */
  window(seriesId: number, start: number): ChunkRow[] {
    return this.#inWindow.all(seriesId, start, start + CHUNK_WINDOW_MS) as ChunkRow[];
  }

  /** Removes the rows `window(seriesId, start)` returned (in the same transaction: the same rows), in one statement. */
  removeWindow(seriesId: number, start: number, rows: readonly ChunkRow[]): void {
    if (rows.length === 0) return;
    let samples = 0;
    let bytes = 0;
    for (const r of rows) {
      samples += r.count;
      bytes += r.data.length;
    }
    const n = this.#deleteWindow.run(seriesId, start, start + CHUNK_WINDOW_MS).changes;
    // Anything else would leave the totals wrong; the transaction is rolled back instead.
    if (n !== rows.length) throw new Error(`window ${start} of series ${seriesId}: deleted ${n} chunk rows, expected ${rows.length}`);
    this.#addToTotals(-rows.length, -samples, -bytes);
  }

  /** Decoded points of one series with from ≤ ts ≤ to, in time order. */
  read(seriesId: number, fromMs: number, toMs: number): Points {
    const rows = this.#inRange.all(seriesId, fromMs - CHUNK_WINDOW_MS, toMs, fromMs) as ChunkRow[];
    if (rows.length === 1) return clip(decodeRaw(rows[0] as ChunkRow), fromMs, toMs);
    const ts: number[] = [];
    const values: number[] = [];
    for (const r of rows) {
      const d = decodeRaw(r);
      for (let i = 0; i < d.ts.length; i++) {
        const t = d.ts[i] as number;
        if (t < fromMs || t > toMs) continue;
        ts.push(t);
        values.push(d.values[i] as number);
      }
    }
    return { ts, values };
  }

  /** The newest stored sample of a series, for rebuilding latest values. */
  last(seriesId: number): { ts: number; value: number; windowStart: number } | undefined {
    const row = this.#last.get(seriesId) as ChunkRow | undefined;
    if (!row) return undefined;
    const d = decodeRaw(row);
    const i = d.ts.length - 1;
    return { ts: d.ts[i] as number, value: d.values[i] as number, windowStart: windowStart(row.start_ts) };
  }
}

export function decodeRaw(row: Pick<ChunkRow, 'data'>): { ts: Float64Array; values: Float64Array } {
  const d = decodeChunk(row.data);
  return { ts: d.ts, values: d.columns[0] as Float64Array };
}

function clip(p: { ts: Float64Array; values: Float64Array }, fromMs: number, toMs: number): Points {
  let a = 0;
  let b = p.ts.length;
  while (a < b && (p.ts[a] as number) < fromMs) a++;
  while (b > a && (p.ts[b - 1] as number) > toMs) b--;
  return a === 0 && b === p.ts.length ? p : { ts: p.ts.subarray(a, b), values: p.values.subarray(a, b) };
}
