/**
 * A fixed-window counter per key (client address). Enough for the endpoints a
 * stranger can hit without credentials (enrollment), where the point is to
 * make guessing a token pointless.
 */
export class WindowLimiter {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** True when `key` has used up its window (without counting this call). */
  exhausted(key: string): boolean {
    const e = this.#hits.get(key);
    return e !== undefined && e.resetAt > this.clock() && e.count >= this.max;
  }

  /** Counts one call; true when it was within the limit. */
  hit(key: string): boolean {
    const now = this.clock();
    let e = this.#hits.get(key);
    if (!e || e.resetAt <= now) {
      if (this.#hits.size > 10_000) this.#sweep(now);
      e = { count: 0, resetAt: now + this.windowMs };
      this.#hits.set(key, e);
    }
    e.count++;
    return e.count <= this.max;
  }

  #sweep(now: number): void {
    for (const [k, v] of this.#hits) if (v.resetAt <= now) this.#hits.delete(k);
  }
}
