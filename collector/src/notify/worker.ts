import { parseDuration } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import type { NotifierConfig } from '../config/schema.js';
import type { DeliveryMeta, DeliveryResult, NotifierType } from './notifier.js';
import { postJson } from './http-post.js';
import type { Notification } from './notification.js';
import type { Outbox, OutboxRow } from './outbox.js';
import { NOTIFIER_TYPES } from './registry.js';

export interface WorkerOptions {
  readonly outbox: Outbox;
  readonly notifiers: () => readonly NotifierConfig[];
  readonly logger: Logger;
  readonly clock?: () => number;
  readonly random?: () => number;
  /** First retry delay; doubles per attempt with full jitter, up to maxDelayMs. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

type Outcome = { state: OutboxRow['state']; nextAttemptAt?: number };

/**
 * Delivers outbox rows: woken right after an alert commits (so on-call hears
 * within a fraction of a second) and on a timer for retries. Only 2xx is
 * success; 410 disables that delivery; 429/503 honour Retry-After; redirects are
 * failures; attempts are capped.
 */
export class DeliveryWorker {
  readonly #o: WorkerOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  readonly #inflight = new Set<Promise<void>>();

  constructor(opts: WorkerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'notify' });
    this.#clock = opts.clock ?? Date.now;
  }

  start(): void {
    this.wake();
  }

  /** Runs a delivery pass now (coalesced if one is running). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#pass().finally(() => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.wake();
      } else this.#schedule();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inflight]);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const next = this.#o.outbox.nextDueAt();
    const delay = next === undefined ? 30_000 : Math.max(50, Math.min(30_000, next - this.#clock()));
    this.#timer = setTimeout(() => this.wake(), delay);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    const rows = this.#o.outbox.due(this.#clock());
    await Promise.all(
      rows.map((row) => {
        const p = this.#deliver(row);
        this.#inflight.add(p);
        return p.finally(() => this.#inflight.delete(p));
      }),
    );
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const config = this.#o.notifiers().find((n) => n.name === row.notifier);
    const now = this.#clock();
    if (!config) {
      this.#o.outbox.recordAttempt(row.id, now, { error: `notifier ${row.notifier} is no longer configured`, durationMs: 0 }, { state: 'failed' });
      return;
    }
    if (this.#o.outbox.isDisabled(config.name, config.url ?? '')) {
      this.#o.outbox.recordAttempt(row.id, now, { error: `notifier ${config.name} is disabled: its endpoint answered 410 Gone; fix the URL and reload, or re-enable it`, durationMs: 0 }, { state: 'failed' });
      return;
    }
    const type = NOTIFIER_TYPES.get(config.type);
    if (!type) {
      this.#o.outbox.recordAttempt(row.id, now, { error: `notifier type ${config.type} is not available`, durationMs: 0 }, { state: 'failed' });
      return;
    }
    const notification = JSON.parse(row.payload) as Notification;
    const meta = { deliveryId: row.delivery_id, timestamp: Math.floor(now / 1000) };
    const timeoutMs = parseDuration(config.timeout ?? '10s') ?? 10_000;
    const started = performance.now();
    const result = await this.#attempt(type, config, notification, meta, timeoutMs);
    const status = result.status;
    const error = result.ok ? undefined : result.detail;
    let outcome: Outcome;
    if (result.ok) outcome = { state: 'delivered' };
    else if (result.permanent) outcome = { state: 'failed' };
    else outcome = this.#retry(row, now, result.retryAfterSeconds);
    const durationMs = performance.now() - started;
    if (status === 410 && type.build) {
      this.#o.outbox.disable(config.name, config.url ?? '', this.#clock());
      this.#log.error({ notifier: config.name }, 'endpoint answered 410 Gone: notifier disabled until its URL changes or an admin re-enables it');
    }
    this.#o.outbox.recordAttempt(row.id, this.#clock(), { ...(status !== undefined ? { status } : {}), ...(error ? { error } : {}), durationMs }, outcome);
    const logFields = { notifier: row.notifier, deliveryId: row.delivery_id, attempt: row.attempts + 1, status, durationMs: Math.round(durationMs) };
    if (outcome.state === 'delivered') this.#log.info(logFields, 'notification delivered');
    else if (outcome.state === 'failed') this.#log.error({ ...logFields, err: error }, 'notification failed permanently');
    else this.#log.warn({ ...logFields, err: error, retryAt: new Date(outcome.nextAttemptAt ?? 0).toISOString() }, 'notification attempt failed');
  }

  async #attempt(type: NotifierType, config: NotifierConfig, notification: Notification, meta: DeliveryMeta, timeoutMs: number): Promise<DeliveryResult> {
    if (type.deliver) return type.deliver(config, notification, meta, timeoutMs);
    if (!type.build) return { ok: false, permanent: true, detail: `notifier type ${type.type} cannot send` };
    const req = type.build(config, notification, meta);
    try {
      const res = await postJson(config.url as string, req.body, { ...req.headers }, { timeoutMs, allowPrivateNetwork: config.allowPrivateNetwork });
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, detail: 'delivered' };
      const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
      return {
        ok: false,
        status: res.status,
        // 410 Gone: the receiver says this endpoint is dead; retrying is noise.
        permanent: res.status === 410,
        ...(res.status === 429 || res.status === 503 ? (res.retryAfterSeconds !== undefined ? { retryAfterSeconds: res.retryAfterSeconds } : {}) : {}),
        detail: `HTTP ${res.status}${redirect}: ${res.bodySnippet.slice(0, 200)}`,
      };
    } catch (err) {
      return { ok: false, permanent: (err as { code?: string }).code === 'HM_NOTIFY_BLOCKED', detail: (err as Error).message };
    }
  }

  #retry(row: OutboxRow, now: number, retryAfterSeconds: number | undefined): Outcome {
    const config = this.#o.notifiers().find((n) => n.name === row.notifier);
    const max = config?.maxAttempts ?? 12;
    if (row.attempts + 1 >= max) return { state: 'failed' };
    const base = this.#o.baseDelayMs ?? 5_000;
    const cap = this.#o.maxDelayMs ?? 3_600_000;
    const ceiling = Math.min(cap, base * 2 ** row.attempts);
    const jittered = Math.max(base / 2, Math.floor((this.#o.random ?? Math.random)() * ceiling));
    const delay = retryAfterSeconds !== undefined ? Math.max(retryAfterSeconds * 1000, 1000) : jittered;
    return { state: 'pending', nextAttemptAt: now + delay };
  }
}
