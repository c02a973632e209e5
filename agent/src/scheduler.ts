import type { HostFacts } from '@hallmonitor/shared';
import { METRICS } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { monotonicMs } from './clock.js';
import { NotApplicableError, type Collector, type Sample } from './collectors/collector.js';

export interface CollectorOutcome {
  readonly name: string;
  readonly status: 'ok' | 'error' | 'timeout' | 'not_applicable';
  readonly durationMs: number;
  readonly error?: string;
}

export interface Round {
  readonly timestamp: number;
  readonly facts: Partial<HostFacts>;
  readonly samples: Sample[];
  readonly outcomes: CollectorOutcome[];
}

export interface SchedulerOptions {
  readonly collectors: readonly Collector[];
  readonly logger: Logger;
  /** Per-collector budget; a collector past it is abandoned for this round. */
  readonly timeoutMs?: number;
  readonly clock?: () => number;
}

/**
 * Runs every collector once per round, concurrently, each with its own timeout.
 * The scheduler — not the collectors — times them, counts failures, logs, and
 * turns outcomes into self-metrics, so one misbehaving collector never hides the rest.
 */
export class Scheduler {
  readonly #collectors: readonly Collector[];
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  /** Last status per collector: failures are logged on change, not every round. */
  readonly #lastStatus = new Map<string, CollectorOutcome['status']>();

  constructor(opts: SchedulerOptions) {
    this.#collectors = opts.collectors;
    this.#log = opts.logger.child({ module: 'scheduler' });
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#clock = opts.clock ?? Date.now;
  }

  async runRound(): Promise<Round> {
    const timestamp = this.#clock();
    const results = await Promise.all(this.#collectors.map((c) => this.#runOne(c, timestamp)));
    const facts: Partial<HostFacts> = {};
    const samples: Sample[] = [];
    const outcomes: CollectorOutcome[] = [];
    for (const r of results) {
      outcomes.push(r.outcome);
      if (r.facts) Object.assign(facts, r.facts);
      if (r.samples) samples.push(...r.samples);
      if (r.outcome.status !== 'not_applicable') {
        const labels = { collector: r.outcome.name };
        samples.push(
          { name: METRICS.collectorSuccess, labels, value: r.outcome.status === 'ok' ? 1 : 0, timestamp },
          { name: METRICS.collectorDurationSeconds, labels, value: Math.round(r.outcome.durationMs * 1000) / 1e6, timestamp },
        );
      }
    }
    return { timestamp, facts, samples, outcomes };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#collectors.map(async (c) => c.close?.()));
  }

  async #runOne(c: Collector, now: number): Promise<{ outcome: CollectorOutcome; samples?: readonly Sample[]; facts?: Partial<HostFacts> }> {
    const ac = new AbortController();
    const started = monotonicMs();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        ac.abort(new Error(`collector ${c.name} timed out after ${this.#timeoutMs} ms`));
        resolve('timeout');
      }, this.#timeoutMs);
    });
    try {
      const res = await Promise.race([c.collect({ now, signal: ac.signal }), timeout]);
      const durationMs = monotonicMs() - started;
      if (res === 'timeout') {
        return { outcome: this.#record({ name: c.name, status: 'timeout', durationMs, error: `timed out after ${this.#timeoutMs} ms` }) };
      }
      const samples = res.samples.filter((s) => typeof s.value === 'number');
      return { outcome: this.#record({ name: c.name, status: 'ok', durationMs }), samples, ...(res.facts ? { facts: res.facts } : {}) };
    } catch (err) {
      const durationMs = monotonicMs() - started;
      const status = err instanceof NotApplicableError ? 'not_applicable' : 'error';
      const message = err instanceof Error ? err.message : String(err);
      return { outcome: this.#record({ name: c.name, status, durationMs, error: message }) };
    } finally {
      clearTimeout(timer);
    }
  }

  #record(o: CollectorOutcome): CollectorOutcome {
    const prev = this.#lastStatus.get(o.name);
    this.#lastStatus.set(o.name, o.status);
    if (prev !== o.status) {
      if (o.status === 'error' || o.status === 'timeout') this.#log.warn({ collector: o.name, status: o.status, err: o.error }, 'collector failed');
      else if (o.status === 'not_applicable') this.#log.debug({ collector: o.name, reason: o.error }, 'collector not applicable here');
      else if (prev) this.#log.info({ collector: o.name }, 'collector recovered');
    }
    return o;
  }
}
