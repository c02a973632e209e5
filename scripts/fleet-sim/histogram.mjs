// A latency histogram that merges across processes: 0.25 ms buckets up to
// 10 s, one overflow bucket. Quantiles are bucket upper edges.
export const BUCKET_MS = 0.25;
export const BUCKETS = 40_000;

export function newHistogram() {
  return new Uint32Array(BUCKETS + 1);
}

export function record(h, ms) {
  h[Math.min(BUCKETS, Math.max(0, Math.floor(ms / BUCKET_MS)))]++;
}

/** Sparse form for IPC: [[bucket, count], …]. */
export function toSparse(h) {
  const out = [];
  for (let i = 0; i < h.length; i++) if (h[i]) out.push([i, h[i]]);
  return out;
}

export function addSparse(h, sparse) {
  for (const [i, n] of sparse) h[i] += n;
}

export function count(h) {
  let n = 0;
  for (const c of h) n += c;
  return n;
}

export function quantile(h, q) {
  const total = count(h);
  if (total === 0) return NaN;
  const want = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= want) return i === BUCKETS ? Infinity : (i + 1) * BUCKET_MS;
  }
  return Infinity;
}
