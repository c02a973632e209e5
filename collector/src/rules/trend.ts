import { grownCapacity, grownColumn } from '../storage/columns.js';

/**
 * Per-series history for `predict` rules: one point per bucket over the
 * longest window asked for (32 points; 96 cost ~1.8 KB a disk for no better
 * slope on a disk that fills over days). Least-squares slope over the window,
 * extrapolated to the horizon.
 *
 * A table, not an object per series: every disk of every host has a row, and
 * as two JS arrays a row grew to ~0.7 KB once its history was full (14 MB at
 * 20,000 disks, all for the GC to trace). Here a row is a ring of 32 points,
 * whole seconds as int32 (relative to the first point this tracker saw) and
 * values as float32: 256 bytes. Seconds and 7 significant digits are plenty
 * for a trend over hours.
 */
export class TrendTracker {
  readonly #rows = new Map<string, number>();
  readonly #maxPoints: number;
  /** Milliseconds that second 0 of the ts column stands for. */
  #base: number | undefined;
  #sec = new Int32Array(0);
  #val = new Float32Array(0);
  /** Ring start and length per row. */
  #start = new Uint8Array(0);
  #len = new Uint8Array(0);

  constructor(maxPoints = 32) {
    this.#maxPoints = Math.max(3, Math.min(255, Math.floor(maxPoints)));
  }

  #row(key: string): number {
    let r = this.#rows.get(key);
    if (r !== undefined) return r;
    r = this.#rows.size;
    if (r >= this.#start.length) {
      const n = grownCapacity(this.#start.length, r + 1);
      this.#sec = grownColumn(this.#sec, n * this.#maxPoints);
      this.#val = grownColumn(this.#val, n * this.#maxPoints);
      this.#start = grownColumn(this.#start, n);
      this.#len = grownColumn(this.#len, n);
    }
    this.#rows.set(key, r);
    return r;
  }

  /** Index into the columns of a row's i-th point (0 = oldest). */
  #at(row: number, i: number): number {
    return row * this.#maxPoints + (((this.#start[row] as number) + i) % this.#maxPoints);
  }

  /** Adds a sample; points closer than `bucketMs` to the previous one replace it. */
  add(key: string, ts: number, value: number, windowMs: number): void {
    if (!Number.isFinite(value)) return;
    const base = (this.#base ??= ts);
    const sec = Math.round((ts - base) / 1000);
    const bucketSec = Math.max(1, windowMs / this.#maxPoints / 1000);
    const row = this.#row(key);
    const n = this.#len[row] as number;
    if (n > 0) {
      const last = this.#at(row, n - 1);
      const lastSec = this.#sec[last] as number;
      if (sec < lastSec) return; // out of order: ignore
      if (sec - lastSec < bucketSec) {
        this.#val[last] = value;
        return;
      }
    }
    if (n === this.#maxPoints) this.#drop(row);
    const len = this.#len[row] as number;
    const i = this.#at(row, len);
    this.#sec[i] = sec;
    this.#val[i] = value;
    this.#len[row] = len + 1;
    const windowSec = windowMs / 1000;
    while ((this.#len[row] as number) > 0 && sec - (this.#sec[this.#at(row, 0)] as number) > windowSec) this.#drop(row);
  }

  #drop(row: number): void {
    this.#start[row] = ((this.#start[row] as number) + 1) % this.#maxPoints;
    this.#len[row] = (this.#len[row] as number) - 1;
  }

  /**
   * Value expected `horizonMs` after the newest point, or undefined until the
   * history covers at least a quarter of the window with 3+ points.
   */
  predict(key: string, windowMs: number, horizonMs: number): number | undefined {
    const row = this.#rows.get(key);
    if (row === undefined) return undefined;
    const n = this.#len[row] as number;
    if (n < 3) return undefined;
    const t0 = this.#sec[this.#at(row, 0)] as number;
    const tn = this.#sec[this.#at(row, n - 1)] as number;
    if ((tn - t0) * 1000 < windowMs / 4) return undefined;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const j = this.#at(row, i);
      const x = (this.#sec[j] as number) - t0;
      const y = this.#val[j] as number;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const denom = n * sxx - sx * sx;
    if (denom === 0) return undefined;
    const slope = (n * sxy - sx * sy) / denom;
    const intercept = (sy - slope * sx) / n;
    return intercept + slope * (tn - t0 + horizonMs / 1000);
  }

  get size(): number {
    return this.#rows.size;
  }
}
