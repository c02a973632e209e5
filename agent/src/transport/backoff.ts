/**
 * Exponential backoff with full jitter (AWS architecture blog): the delay is
 * uniform in [0, min(cap, base·2^attempt)], which spreads 30 reimaged lab PCs
 * reconnecting after a collector restart instead of synchronising them.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(baseMs / 2, Math.floor(random() * ceiling));
}
