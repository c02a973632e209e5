/** Samples per second over the last minute, in 5-second slots, from an injectable clock. */
export class RateMeter {
  static readonly SLOT_MS = 5000;
  static readonly SLOTS = 12;
  readonly #counts = new Float64Array(RateMeter.SLOTS);
  #slot = -1;
  #since = -1;

  add(n: number, now: number): void {
    this.#advance(now);
    this.#counts[this.#slot % RateMeter.SLOTS] = (this.#counts[this.#slot % RateMeter.SLOTS] as number) + n;
  }

  #advance(now: number): void {
    const slot = Math.floor(now / RateMeter.SLOT_MS);
    if (this.#since < 0) this.#since = now;
    if (this.#slot < 0) this.#slot = slot;
    if (slot <= this.#slot) return;
    // Clear the slots skipped since the last sample.
    for (let s = this.#slot + 1; s <= slot && s <= this.#slot + RateMeter.SLOTS; s++) this.#counts[s % RateMeter.SLOTS] = 0;
    this.#slot = slot;
  }

  perSecond(now: number): number {
    if (this.#since < 0) return 0;
    this.#advance(now);
    let sum = 0;
    for (const c of this.#counts) sum += c;
    const windowMs = Math.min(RateMeter.SLOT_MS * RateMeter.SLOTS, Math.max(1000, now - this.#since));
    return (sum * 1000) / windowMs;
  }
}
