export interface DrainOptions {
  /**
   * Batches sent in order beyond the last ack before waiting for the next one.
   * Small on purpose: the collector's TLS layer reads whatever arrived at once
   * into a per-connection buffer whose pages stay resident for the life of
   * the connection. A 32-batch burst at connect left 26 KB more per
   * connection than 4 batches (128 MB at 5,000 agents;
   * scripts/bench/fleet/tls-connections.mjs). The rate budget, not the
   * window, limits a drain: acks come back within milliseconds on a LAN.
   */
  readonly windowBatches: number;
  /**
   * Sustained samples per second while resending a backlog; kept under the
   * collector's per-agent limit (2,000/s by default) so a drain is never cut off.
   */
  readonly samplesPerSecond: number;
  /** Socket buffer level at which sending pauses. */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_DRAIN: DrainOptions = Object.freeze({ windowBatches: 4, samplesPerSecond: 1000, maxBufferedBytes: 1024 * 1024 });

/**
 * Token bucket in samples. `take` answers how long to wait instead of
 * refusing, so the caller can re-arm a timer; live batches are `charge`d and
 * may drive the bucket into debt, which the backlog then waits out.
 */
export class DrainBudget {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => number;
  #tokens: number;
  #last: number;

  constructor(samplesPerSecond: number, clock: () => number = Date.now) {
    this.#rate = Math.max(1, samplesPerSecond);
    // One full wire batch (2,000 samples) must always fit, or it would wait forever.
    this.#burst = Math.max(this.#rate, 2000);
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#last = clock();
  }

  #refill(): void {
    const now = this.#clock();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  /** 0 if `n` samples may go now (and takes them), else the milliseconds to wait. */
  take(n: number): number {
    this.#refill();
    if (this.#tokens >= n) {
      this.#tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((n - this.#tokens) / this.#rate) * 1000));
  }

  charge(n: number): void {
    this.#refill();
    this.#tokens -= n;
  }
}
