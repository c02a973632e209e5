import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Notification } from '../notify/notification.js';
import type { Outbox } from '../notify/outbox.js';
import type { Target, Targets } from '../targets/targets.js';
import { type AlertStore, alertView } from './alert-store.js';
import type { Rule } from './compile.js';
import { applyResult, evaluateSample, evaluateTime, type AlertState, type EvalResult, type EvalSample } from './engine.js';
import { renderTemplate } from './template.js';

export interface AlertManagerOptions {
  readonly db: Database;
  readonly targets: Targets;
  readonly outbox: Outbox;
  readonly store: AlertStore;
  readonly logger: Logger;
  readonly baseUrl: () => string;
  /** Called after a transaction that queued notifications committed. */
  readonly onQueued: () => void;
  readonly clock?: () => number;
}

/**
 * The stateful edge around the pure engine: keeps alert state in memory,
 * persists each transition together with its outbox rows in one transaction,
 * and wakes the delivery worker after commit.
 */
export class AlertManager {
  readonly #o: AlertManagerOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #state = new Map<string, AlertState>();
  #rules: readonly Rule[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: AlertManagerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'alerts' });
    this.#clock = opts.clock ?? Date.now;
    // Firing alerts survive a restart; pending ones simply start over.
    for (const row of opts.store.firing()) {
      this.#state.set(row.fingerprint, {
        fingerprint: row.fingerprint,
        rule: row.rule,
        targetId: row.target_id,
        metric: row.metric,
        labels: JSON.parse(row.labels) as Record<string, string>,
        phase: 'firing',
        since: row.starts_at,
        startsAt: row.starts_at,
        value: row.value ?? Number.NaN,
      });
    }
  }

  setRules(rules: readonly Rule[]): void {
    this.#rules = rules;
  }

  get rules(): readonly Rule[] {
    return this.#rules;
  }

  start(tickMs = 1000): void {
    this.#timer = setInterval(() => this.tick(), tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Evaluates a sample that just became its series' latest value. */
  onSample(target: Target, sample: EvalSample): void {
    if (this.#rules.length === 0) return;
    const res = evaluateSample(this.#rules, this.#state, target, sample, this.#clock());
    if (res.upserts.length || res.deletes.length || res.transitions.length) this.#apply(res);
  }

  tick(): void {
    if (this.#state.size === 0) return;
    const res = evaluateTime(this.#rules, this.#state, this.#clock());
    if (res.upserts.length || res.deletes.length || res.transitions.length) this.#apply(res);
  }

  #apply(res: EvalResult): void {
    const queued = this.#o.db.transaction(() => {
      let n = 0;
      for (const t of res.transitions) {
        const target = this.#o.targets.get(t.state.targetId);
        const row =
          t.kind === 'firing'
            ? this.#o.store.insertFiring(
                {
                  fingerprint: t.state.fingerprint,
                  rule: t.rule.name,
                  severity: t.rule.severity,
                  target_id: t.state.targetId,
                  metric: t.state.metric,
                  labels: JSON.stringify(t.state.labels),
                  value: Number.isFinite(t.state.value) ? t.state.value : null,
                  threshold: t.rule.threshold,
                  starts_at: t.at,
                  summary: renderTemplate(t.rule.summary, {
                    rule: t.rule.name,
                    metric: t.state.metric,
                    labels: t.state.labels,
                    value: t.state.value,
                    threshold: t.rule.threshold,
                    op: t.rule.op,
                    severity: t.rule.severity,
                    target: target ? { id: target.id, name: target.name, kind: target.kind, site: target.site, building: target.building, room: target.room } : { id: t.state.targetId },
                  }),
                },
                t.at,
              )
            : this.#o.store.resolve(t.state.fingerprint, Number.isFinite(t.state.value) ? t.state.value : null, t.at);
        if (!row) continue;
        this.#log.info({ alert: row.id, rule: row.rule, target: row.target_id, status: row.status }, `alert ${row.status}`);
        const notification: Notification = {
          version: 1,
          status: row.status,
          groupKey: `${row.rule}/${target?.site ?? '-'}/${row.fingerprint}`,
          alerts: [alertView(row, target, this.#o.baseUrl())],
        };
        for (const notifier of t.rule.notify) {
          this.#o.outbox.enqueue(notifier, notification, t.at);
          n++;
        }
      }
      applyResult(this.#state, res);
      return n;
    })();
    if (queued > 0) this.#o.onQueued();
  }
}
