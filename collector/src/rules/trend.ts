/**
 * Per-series history for `predict` rules: one point per bucket over the
 * longest window asked for, so memory per series is a few dozen numbers
 * (32 points: ~0.6 KB per disk; 96 cost ~1.8 KB, 36 MB at 20,000 disks,
 * for no better slope on a disk that fills over days).
 * Least-squares slope over the window, extrapolated to the horizon.
 */
export class TrendTracker {
  readonly #series = new Map<string, { ts: number[]; values: number[] }>();
  readonly #maxPoints: number;

  constructor(maxPoints = 32) {
    this.#maxPoints = maxPoints;
  }

  /** Adds a sample; points closer than `bucketMs` to the previous one replace it. */
  add(key: string, ts: number, value: number, windowMs: number): void {
    if (!Number.isFinite(value)) return;
    const bucketMs = Math.max(1000, windowMs / this.#maxPoints);
    let s = this.#series.get(key);
    if (!s) {
      s = { ts: [], values: [] };
      this.#series.set(key, s);
    }
    const last = s.ts.length - 1;
    if (last >= 0 && ts - (s.ts[last] as number) < bucketMs) {
      s.values[last] = value;
      return;
    }
    if (last >= 0 && ts < (s.ts[last] as number)) return; // out of order: ignore
    s.ts.push(ts);
    s.values.push(value);
    while (s.ts.length > 0 && ts - (s.ts[0] as number) > windowMs) {
      s.ts.shift();
      s.values.shift();
    }
  }

  /**
   * Value expected `horizonMs` after the newest point, or undefined until the
   * history covers at least a quarter of the window with 3+ points.
   */
  predict(key: string, windowMs: number, horizonMs: number): number | undefined {
    const s = this.#series.get(key);
    if (!s || s.ts.length < 3) return undefined;
    const t0 = s.ts[0] as number;
    const tn = s.ts[s.ts.length - 1] as number;
    if (tn - t0 < windowMs / 4) return undefined;
    const n = s.ts.length;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const x = ((s.ts[i] as number) - t0) / 1000;
      const y = s.values[i] as number;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const denom = n * sxx - sx * sx;
    if (denom === 0) return undefined;
    const slope = (n * sxy - sx * sy) / denom;
    const intercept = (sy - slope * sx) / n;
    const xAt = (tn - t0 + horizonMs) / 1000;
    return intercept + slope * xAt;
  }

  get size(): number {
    return this.#series.size;
  }
}
