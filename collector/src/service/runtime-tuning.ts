/**
 * How the collector's Node process is started, wherever it is started (the
 * systemd unit, `pnpm start`, the capacity benchmark): flags and environment
 * that must be in place before the process begins, measured at 5,000 agents
 * (docs/capacity.md, "Memory").
 *
 * - `--max-semi-space-size=1`: V8's young generation grows to 2 × 16 MB by
 *   default. Ingest made short-lived garbage at a steady rate (4 MB semi-spaces
 *   then: same CPU, ~40 MB less reserved); protocol-3 batches make little, and
 *   1 MB semi-spaces cost another 8 MB less at equal CPU (7-minute runs at
 *   5,000 agents, 2026-12-06: 407 → 399 MB, 14.1 → 14.6% of a core).
 * - `--heap-growing-percent=15`: after each full GC V8 lets the old
 *   generation grow to up to 4× what survived before collecting again; ingest
 *   promotes a steady trickle of short-lived objects (and the message buffers
 *   they hold outside the heap), so the process sat at that high-water mark.
 *   At 5,000 agents, 15% cut median RSS 631 → 471 MB for +1.6 points of CPU
 *   (docs/capacity.md, "Memory").
 * - glibc malloc: TLS buffers, socket reads and SQLite come from malloc. Two
 *   arenas, and blocks from 16 KB up mapped on their own when the heap's top
 *   cannot serve them (returned to the system when freed, and only the pages
 *   written are resident). Every TLS connection holds a 64 KB read buffer of
 *   which a small message touches a page or two; carved from the heap, those
 *   buffers sat on pages earlier allocations had touched. 16 KB instead of
 *   64 KB: 407 → 369 MB at 5,000 agents, CPU 14.1 vs 14.4% (8 KB: 363 MB,
 *   13.1%); same 7-minute runs.
 */
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--heap-growing-percent=15'];

export const COLLECTOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '16384',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
