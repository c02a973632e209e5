/**
 * Flap damping: an alert that changes state more than `maxTransitions` times
 * within `windowMs` is muted until it has held still for `windowMs`. Pure and
 * in memory: losing it on restart only means one more notification.
 */
export class FlapDamper {
  readonly #history = new Map<string, number[]>();
  readonly #flapping = new Set<string>();

  constructor(
    private readonly maxTransitions: number,
    private readonly windowMs: number,
  ) {}

  /** Records a transition; returns true when the alert is (now) flapping. */
  record(fingerprint: string, at: number): boolean {
    const times = (this.#history.get(fingerprint) ?? []).filter((t) => at - t < this.windowMs);
    times.push(at);
    this.#history.set(fingerprint, times);
    if (times.length > this.maxTransitions) this.#flapping.add(fingerprint);
    return this.#flapping.has(fingerprint);
  }

  isFlapping(fingerprint: string): boolean {
    return this.#flapping.has(fingerprint);
  }

  /** Fingerprints that stopped flapping by `now` (quiet for a whole window); they are forgotten. */
  settle(now: number): string[] {
    const calm: string[] = [];
    for (const fp of this.#flapping) {
      const times = this.#history.get(fp) ?? [];
      const last = times[times.length - 1] ?? 0;
      if (now - last >= this.windowMs) {
        this.#flapping.delete(fp);
        this.#history.delete(fp);
        calm.push(fp);
      }
    }
    // Keep memory bounded: drop histories that can no longer matter.
    for (const [fp, times] of this.#history) {
      if (!this.#flapping.has(fp) && now - (times[times.length - 1] ?? 0) >= this.windowMs) this.#history.delete(fp);
    }
    return calm;
  }
}
