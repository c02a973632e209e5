/** Per-connection limits on what an authenticated agent may send. */
export interface IngestLimits {
  /** Seconds to wait for hello after the upgrade. */
  readonly helloTimeoutMs: number;
  /** Distinct series one agent may create. */
  readonly maxSeriesPerAgent: number;
  /** Sustained samples per second per agent, and the burst above it. */
  readonly samplesPerSecond: number;
  readonly sampleBurst: number;
  /** Concurrent WebSocket connections from one IP address. */
  readonly maxConnectionsPerIp: number;
  readonly pingIntervalMs: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = Object.freeze({
  helloTimeoutMs: 10_000,
  maxSeriesPerAgent: 5_000,
  samplesPerSecond: 2_000,
  // A reconnecting agent drains its backlog, so the burst is generous.
  sampleBurst: 100_000,
  maxConnectionsPerIp: 32,
  pingIntervalMs: 30_000,
});

/** Token bucket: `take(n)` is false when the agent exceeds its rate. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#last = clock();
  }

  take(n: number): boolean {
    const now = this.clock();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (n > this.#tokens) return false;
    this.#tokens -= n;
    return true;
  }
}
