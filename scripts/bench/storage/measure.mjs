import { readFileSync, statSync } from 'node:fs';

/** Bytes this process caused to be written to storage (page cache write-back included), with write syscalls as a fallback. */
export function ioWritten() {
  try {
    const io = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
    return { writeBytes: io.write_bytes ?? 0, wchar: io.wchar ?? 0 };
  } catch {
    return { writeBytes: 0, wchar: 0 };
  }
}

export function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function usedBytes(db) {
  const ps = db.pragma('page_size', { simple: true });
  return (db.pragma('page_count', { simple: true }) - db.pragma('freelist_count', { simple: true })) * ps;
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function median(xs) {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/** Runs fn `n` times, returning [median, p95] in milliseconds. */
export function latency(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return [quantile(times, 0.5), quantile(times, 0.95)];
}
