/**
 * Per-key token buckets (the key is a client address or a login name) with a
 * bounded table: a stranger with many addresses (IPv6) cannot grow it without
 * limit — past `maxKeys` the least recently refilled entries are dropped,
 * which only ever forgives, never blocks, a client.
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; last: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.clock();
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.ratePerSecond);
      b.last = now;
      // Re-insert so Map order approximates least-recently-used.
      this.#buckets.delete(key);
    } else {
      b = { tokens: this.burst, last: now };
      if (this.#buckets.size >= this.maxKeys) this.#evict();
    }
    this.#buckets.set(key, b);
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSecond));
    b.tokens -= 1;
    return 0;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #evict(): void {
    let n = Math.ceil(this.maxKeys / 10);
    for (const k of this.#buckets.keys()) {
      this.#buckets.delete(k);
      if (--n <= 0) break;
    }
  }
}

/**
 * Counts failures per key inside a window and locks the key once it reaches
 * `max` (login names, enrolling addresses). Success clears the count. Bounded
 * like KeyedRateLimiter.
 */
export class FailureLock {
  readonly #fails = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 50_000,
  ) {}

  /** Milliseconds the key stays locked, 0 when it may try. */
  lockedFor(key: string): number {
    const e = this.#fails.get(key);
    if (!e) return 0;
    const left = e.until - this.clock();
    if (left <= 0) {
      this.#fails.delete(key);
      return 0;
    }
    return e.count >= this.max ? left : 0;
  }

  fail(key: string): void {
    const now = this.clock();
    let e = this.#fails.get(key);
    if (!e || e.until <= now) {
      if (this.#fails.size >= this.maxKeys) this.#sweep(now);
      e = { count: 0, until: now + this.windowMs };
      this.#fails.set(key, e);
    }
    e.count++;
    // Each failure at the limit extends the lock: a patient guesser stays locked out.
    if (e.count >= this.max) e.until = now + this.windowMs;
  }

  succeed(key: string): void {
    this.#fails.delete(key);
  }

  #sweep(now: number): void {
    for (const [k, v] of this.#fails) if (v.until <= now) this.#fails.delete(k);
    if (this.#fails.size >= this.maxKeys) this.#fails.delete(this.#fails.keys().next().value as string);
  }
}
