/**
 * How the collector's Node process is started, wherever it is started (the
 * systemd unit, `pnpm start`, the capacity benchmark): flags and environment
 * that must be in place before the process begins, measured at 5,000 agents
 * (docs/capacity.md, "Memory").
 *
 * - `--max-semi-space-size=4`: V8's young generation grows to 2 × 16 MB by
 *   default; ingest makes short-lived garbage at a steady rate, and 4 MB
 *   semi-spaces keep it collected as cheaply (measured: same CPU) with ~40 MB
 *   less heap reserved.
 * - `--heap-growing-percent=15`: after each full GC V8 lets the old
 *   generation grow to up to 4× what survived before collecting again; ingest
 *   promotes a steady trickle of short-lived objects (and the message buffers
 *   they hold outside the heap), so the process sat at that high-water mark.
 *   At 5,000 agents, 15% cut median RSS 631 → 471 MB for +1.6 points of CPU
 *   (docs/capacity.md, "Memory").
 * - glibc malloc: TLS buffers, socket reads and SQLite come from malloc; with
 *   two arenas and large blocks always mapped (returned to the system when
 *   freed) the collector's native memory stays near what is in use instead
 *   of at the high-water mark of every thread's arena.
 */
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=15'];

export const COLLECTOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
