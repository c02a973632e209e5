/**
 * Timestamp alignment: agents collect on a fixed interval (whole seconds) but timestamps
 * jitter by a few milliseconds, which costs ~15 bits per sample in the
 * delta-of-delta codec instead of 1. A timestamp within `toleranceMs` (and
 * within 5% of the interval) of the one predicted from its predecessors is
 * snapped to the prediction. This is lossy by at most the tolerance, never
 * reorders samples and never makes two equal; tolerance 0 turns it off.
 *
 * Input must be strictly increasing (a sealed chunk's timestamps are).
 */
export function alignTimestamps(ts: ArrayLike<number>, toleranceMs: number): number[] {
  const n = ts.length;
  const out = new Array<number>(n);
  if (n === 0) return out;
  out[0] = ts[0] as number;
  if (n === 1 || toleranceMs <= 0) {
    for (let i = 1; i < n; i++) out[i] = ts[i] as number;
    return out;
  }
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const real = ts[i] as number;
    const prev = out[i - 1] as number;
    let t = real;
    if (prevDelta > 0) {
      // Intervals are whole seconds: predicting from the rounded step keeps one jittered delta from drifting every later prediction.
      const step = prevDelta >= 1000 ? Math.round(prevDelta / 1000) * 1000 : prevDelta;
      const predicted = prev + step;
      const tol = Math.min(toleranceMs, Math.floor(prevDelta / 20));
      const next = i + 1 < n ? (ts[i + 1] as number) : Number.POSITIVE_INFINITY;
      // The next sample may itself move down by up to tol, so stay clear of it.
      if (Math.abs(real - predicted) <= tol && predicted + tol < next) t = predicted;
    }
    prevDelta = t - prev;
    out[i] = t;
  }
  return out;
}
