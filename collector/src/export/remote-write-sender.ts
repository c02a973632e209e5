import type { Agent } from 'node:http';
import type { Logger } from 'pino';
import { endpointAgent, postBinary, type BinaryPostResult } from './guarded-post.js';
import { splitWriteRequest } from './remote-write-proto.js';
import type { EndpointCounters, QueueRow, RemoteWriteQueue } from './remote-write-queue.js';
import { snappyCompress, snappyDecompress } from './snappy.js';

export interface SenderEndpoint {
  readonly name: string;
  readonly url: string;
  readonly allowPrivateNetwork: boolean;
  readonly timeoutMs: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Authorization and extra headers. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface SenderOptions {
  readonly queue: RemoteWriteQueue;
  readonly endpoints: readonly SenderEndpoint[];
  readonly logger: Logger;
  /** How often samples in memory are written to the queue table. */
  readonly flushIntervalMs?: number;
  readonly random?: () => number;
  /** A refused request is split down to this many series before its samples are given up. */
  readonly minSplitSeries?: number;
}

type Outcome = { kind: 'done'; accepted: number; rejected: number; detail?: string } | { kind: 'retry'; retryAfterSeconds?: number; detail: string };

const PROTOCOL_HEADERS = Object.freeze({
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
});

/**
 * Sends each endpoint's queue in order, one request at a time over one
 * keep-alive connection. 2xx removes the row. 5xx, 429, timeouts and
 * connection errors keep it and back off (doubling from minBackoff to
 * maxBackoff with jitter, or as Retry-After says). Any other 4xx means the
 * receiver will never take these samples (out of order, too old, bad labels):
 * the request is split in halves to save the rest, and what is still refused
 * is dropped and counted.
 */
export class RemoteWriteSender {
  readonly #o: SenderOptions;
  readonly #log: Logger;
  readonly #agents = new Map<string, Agent>();
  readonly #idle = new Map<string, () => void>();
  readonly #loops: Array<Promise<void>> = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(opts: SenderOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'remote-write' });
  }

  start(): void {
    if (this.#o.endpoints.length === 0) return;
    this.#flushTimer = setInterval(() => this.flushNow(), this.#o.flushIntervalMs ?? 1000);
    this.#flushTimer.unref();
    for (const ep of this.#o.endpoints) {
      this.#agents.set(ep.name, endpointAgent(ep.url, ep.allowPrivateNetwork));
      this.#loops.push(this.#run(ep));
    }
  }

  /** Writes pending samples to the queue and wakes idle endpoints. */
  flushNow(): void {
    if (this.#o.queue.flush() > 0) for (const wake of this.#idle.values()) wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#flushTimer);
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    await Promise.allSettled(this.#loops);
    for (const a of this.#agents.values()) a.destroy();
    // What is still in memory goes to disk, to be sent after the restart.
    this.#o.queue.flush();
  }

  #sleep(ms: number, endpoint?: string): Promise<void> {
    return new Promise((resolve) => {
      const s = {
        timer: setTimeout(() => done(), ms),
        resolve: (): void => done(),
      };
      const done = (): void => {
        clearTimeout(s.timer);
        this.#sleepers.delete(s);
        if (endpoint) this.#idle.delete(endpoint);
        resolve();
      };
      this.#sleepers.add(s);
      if (endpoint) this.#idle.set(endpoint, s.resolve);
    });
  }

  async #run(ep: SenderEndpoint): Promise<void> {
    const c = this.#o.queue.counters(ep.name) as EndpointCounters;
    let failures = 0;
    while (!this.#stopped) {
      const row = this.#o.queue.oldest(ep.name);
      if (!row) {
        await this.#sleep(1000, ep.name);
        continue;
      }
      const outcome = await this.#send(ep, row.payload, row.samples, c);
      if (this.#stopped && outcome.kind === 'retry') return;
      if (outcome.kind === 'done') {
        this.#finish(ep, row, outcome, c);
        if (failures > 0) this.#log.info({ endpoint: ep.name, failures }, 'remote write recovered');
        failures = 0;
        continue;
      }
      failures++;
      c.failedRequests++;
      c.lastError = outcome.detail;
      if (failures === 1 || failures % 20 === 0) this.#log.warn({ endpoint: ep.name, failures, err: outcome.detail, backlogSamples: c.backlogSamples }, 'remote write failed; retrying with backoff');
      const ceiling = Math.min(ep.maxBackoffMs, ep.minBackoffMs * 2 ** Math.min(failures - 1, 30));
      const jittered = ceiling / 2 + (this.#o.random ?? Math.random)() * (ceiling / 2);
      await this.#sleep(outcome.retryAfterSeconds !== undefined ? Math.min(ep.maxBackoffMs, Math.max(outcome.retryAfterSeconds * 1000, ep.minBackoffMs)) : jittered);
    }
  }

  #finish(ep: SenderEndpoint, row: QueueRow, outcome: Extract<Outcome, { kind: 'done' }>, c: EndpointCounters): void {
    this.#o.queue.remove(ep.name, row);
    c.sentSamples += outcome.accepted;
    c.dropped.rejected += outcome.rejected;
    if (outcome.accepted > 0) c.lastSuccessAt = Date.now();
    if (outcome.rejected > 0) {
      c.lastError = outcome.detail ?? 'rejected';
      this.#log.error({ endpoint: ep.name, rejected: outcome.rejected, accepted: outcome.accepted, err: outcome.detail }, 'remote-write receiver refused samples; they are dropped');
    }
  }

  async #post(ep: SenderEndpoint, body: Uint8Array): Promise<BinaryPostResult | Error> {
    try {
      return await postBinary(ep.url, body, { ...PROTOCOL_HEADERS, ...ep.headers }, { timeoutMs: ep.timeoutMs, allowPrivateNetwork: ep.allowPrivateNetwork, agent: this.#agents.get(ep.name) as Agent });
    } catch (err) {
      return err as Error;
    }
  }

  async #send(ep: SenderEndpoint, payload: Uint8Array, samples: number, c: EndpointCounters): Promise<Outcome> {
    const res = await this.#post(ep, payload);
    if (res instanceof Error) return { kind: 'retry', detail: res.message };
    c.sentRequests++;
    if (res.status >= 200 && res.status < 300) return { kind: 'done', accepted: samples, rejected: 0 };
    const detail = `HTTP ${res.status}: ${res.bodySnippet.trim().slice(0, 200)}`;
    if (res.status === 429 || res.status >= 500 || (res.status >= 300 && res.status < 400) || res.status === 401 || res.status === 403 || res.status === 404) {
      // Overload, outage, a moved or misconfigured endpoint: the data is fine, keep it.
      return { kind: 'retry', detail, ...(res.retryAfterSeconds !== undefined ? { retryAfterSeconds: res.retryAfterSeconds } : {}) };
    }
    return this.#split(ep, payload, samples, c, detail);
  }

  /** A refused request: send each half on its own, down to minSplitSeries, so one bad sample costs little. */
  async #split(ep: SenderEndpoint, payload: Uint8Array, samples: number, c: EndpointCounters, detail: string): Promise<Outcome> {
    let entries: Uint8Array[];
    try {
      entries = splitWriteRequest(snappyDecompress(payload));
    } catch {
      return { kind: 'done', accepted: 0, rejected: samples, detail };
    }
    if (entries.length <= (this.#o.minSplitSeries ?? 64)) return { kind: 'done', accepted: 0, rejected: samples, detail };
    const mid = Math.ceil(entries.length / 2);
    let accepted = 0;
    let rejected = 0;
    let lastDetail = detail;
    for (const half of [entries.slice(0, mid), entries.slice(mid)]) {
      const body = snappyCompress(Buffer.concat(half));
      const r = await this.#send(ep, body, half.length, c);
      if (r.kind === 'retry') return r;
      accepted += r.accepted;
      rejected += r.rejected;
      if (r.detail) lastDetail = r.detail;
    }
    return { kind: 'done', accepted, rejected, detail: lastDetail };
  }
}
