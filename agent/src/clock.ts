/*
 * Reading and writing time without the parts of Node that an idle agent pays
 * for in resident memory (measured: agent/README.md, "Footprint"):
 *
 * - the global `performance` loads perf_hooks and ten internal modules on first
 *   use (~0.2 MB); process.hrtime is already loaded;
 * - V8 11's Date#toISOString looks up the local time zone's display name even
 *   though the result is UTC, which maps in ICU's time-zone name data (~0.3 MB).
 */

/** Milliseconds on a monotonic clock, for durations (what performance.now() gives). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** What `new Date(ms).toISOString()` returns (including its RangeError), from UTC fields only. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  // Outside 0000–9999 ISO needs the expanded ±YYYYYY form; no agent fact is there, so let Date do it.
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}
