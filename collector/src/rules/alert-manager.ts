import type { Database } from 'better-sqlite3';
import { labelsKey } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import type { Dispatcher } from '../notify/dispatcher.js';
import { FlapDamper } from '../notify/flap-damper.js';
import { muteReason, type MuteReason } from '../notify/mute.js';
import type { SilenceStore } from '../notify/silences.js';
import type { Target, Targets } from '../targets/targets.js';
import type { AlertRow, AlertStore } from './alert-store.js';
import { AlertStates } from './alert-states.js';
import type { Rule } from './compile.js';
import { applyResult, evaluateSample, evaluateTime, type EvalResult, type EvalSample, type Predictor, type Transition } from './engine.js';
import { renderTemplate } from './template.js';
import { TrendTracker } from './trend.js';

/** The notification policy in force (from config; replaced on reload). */
export interface NotifyPolicy {
  readonly resolved: boolean;
  readonly repeatMs: number;
  readonly flapTransitions: number;
  readonly flapWindowMs: number;
  /** Name of a maintenance window covering (target, rule) now. */
  readonly maintenance: (target: Target, rule: string, now: number) => string | undefined;
}

export interface AlertManagerOptions {
  readonly db: Database;
  readonly targets: Targets;
  readonly store: AlertStore;
  readonly dispatcher: Dispatcher;
  readonly silences: SilenceStore;
  readonly logger: Logger;
  readonly policy: () => NotifyPolicy;
  /** True when something this target depends on (its poller, its controller) is down. */
  readonly dependencyDown: (target: Target) => boolean;
  /** Called after a transaction that queued notifications committed. */
  readonly onQueued: () => void;
  /** Called after commit for every firing/resolved transition (live views). */
  readonly onTransition?: (row: AlertRow) => void;
  readonly clock?: () => number;
}

/**
 * The stateful edge around the pure engine: keeps alert state in memory,
 * persists each transition (and pending alerts, so a long `for` survives a
 * restart) together with its notifications in one transaction, applies the
 * notification policy (silences, maintenance, dependencies, flapping, repeats,
 * acknowledgement), and wakes the delivery worker after commit.
 */
export class AlertManager {
  readonly #o: AlertManagerOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #state = new AlertStates();
  readonly #trends = new TrendTracker();
  #flaps: FlapDamper;
  #rules: readonly Rule[] = [];
  #watched: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: AlertManagerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'alerts' });
    this.#clock = opts.clock ?? Date.now;
    const p = opts.policy();
    this.#flaps = new FlapDamper(p.flapTransitions, p.flapWindowMs);
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
    for (const p of opts.store.pending()) {
      if (this.#state.has(p.fingerprint)) continue;
      this.#state.set(p.fingerprint, { fingerprint: p.fingerprint, rule: p.rule, targetId: p.target_id, metric: p.metric, labels: JSON.parse(p.labels) as Record<string, string>, phase: 'pending', since: p.since, value: Number.NaN });
    }
  }

  /** Whether any rule looks at a metric: most samples' metrics have none, and skip the engine. */
  watches(metric: string): boolean {
    return this.#watched.has(metric);
  }

  setRules(rules: readonly Rule[]): void {
    this.#rules = rules;
    this.#watched = new Set(rules.map((r) => r.metric));
    const p = this.#o.policy();
    this.#flaps = new FlapDamper(p.flapTransitions, p.flapWindowMs);
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
  onSample(target: Target, sample: EvalSample, ts: number = this.#clock()): void {
    if (!this.#watched.has(sample.metric)) return;
    let predictor: Predictor | undefined;
    for (const r of this.#rules) {
      if (r.predict && r.metric === sample.metric) {
        const key = `${r.name}\u0000${target.id}\u0000${labelsKey(sample.labels)}`;
        this.#trends.add(key, ts, sample.value, r.predict.windowMs);
        predictor = (rule, t, s) => (rule.predict ? this.#trends.predict(`${rule.name}\u0000${t.id}\u0000${labelsKey(s.labels)}`, rule.predict.windowMs, rule.predict.horizonMs) : undefined);
      }
    }
    const res = evaluateSample(this.#rules, this.#state, target, sample, this.#clock(), predictor);
    if (res.upserts.length || res.deletes.length || res.transitions.length) this.#apply(res);
  }

  /** Timer work: `for` expiry, flap settling, repeats and held-back notifications. */
  tick(): void {
    const now = this.#clock();
    if (this.#state.size > 0) {
      const res = evaluateTime(this.#rules, this.#state, now, (id) => this.#o.targets.get(id));
      if (res.upserts.length || res.deletes.length || res.transitions.length) this.#apply(res);
    }
    for (const fp of this.#flaps.settle(now)) this.#log.info({ fingerprint: fp }, 'alert stopped flapping');
    this.#renotify(now);
  }

  #mute(target: Target | undefined, row: AlertRow, now: number): MuteReason | undefined {
    if (!target) return undefined;
    const silence = this.#o.silences.matching({ rule: row.rule, targetId: row.target_id, targetName: target.name, site: target.site, severity: row.severity, labels: JSON.parse(row.labels) as Record<string, string> }, now);
    const maintenance = this.#o.policy().maintenance(target, row.rule, now);
    return muteReason({
      ...(silence ? { silenceId: silence.id } : {}),
      ...(maintenance ? { maintenance } : {}),
      dependencyDown: this.#o.dependencyDown(target),
      flapping: this.#flaps.isFlapping(row.fingerprint),
    });
  }

  #apply(res: EvalResult): void {
    // Most results only carry a new value for an alert already pending or firing: memory only, no transaction.
    if (res.transitions.length === 0 && res.deletes.length === 0 && res.upserts.every((u) => this.#state.get(u.fingerprint)?.phase === u.phase)) {
      applyResult(this.#state, res);
      return;
    }
    const changed: AlertRow[] = [];
    const queued = this.#o.db.transaction(() => {
      let n = 0;
      for (const s of res.upserts) {
        const prev = this.#state.get(s.fingerprint);
        if (s.phase === 'pending' && !prev) this.#o.store.savePending({ fingerprint: s.fingerprint, rule: s.rule, target_id: s.targetId, metric: s.metric, labels: JSON.stringify(s.labels), since: s.since });
        if (s.phase === 'firing' && prev?.phase === 'pending') this.#o.store.deletePending(s.fingerprint);
      }
      for (const fp of res.deletes) if (this.#state.get(fp)?.phase === 'pending') this.#o.store.deletePending(fp);
      for (const t of res.transitions) n += this.#transition(t, changed);
      applyResult(this.#state, res);
      return n;
    })();
    if (queued > 0) this.#o.onQueued();
    for (const row of changed) this.#o.onTransition?.(row);
  }

  #transition(t: Transition, changed: AlertRow[]): number {
    const target = this.#o.targets.get(t.state.targetId);
    const value = Number.isFinite(t.state.value) ? t.state.value : null;
    const row: AlertRow | undefined =
      t.kind === 'firing'
        ? this.#o.store.insertFiring(
            {
              fingerprint: t.state.fingerprint,
              rule: t.rule.name,
              severity: t.limits.severity,
              target_id: t.state.targetId,
              metric: t.state.metric,
              labels: JSON.stringify(t.state.labels),
              value,
              threshold: t.limits.threshold,
              starts_at: t.at,
              summary: renderTemplate(t.rule.summary, {
                rule: t.rule.name,
                metric: t.state.metric,
                labels: t.state.labels,
                value: t.state.value,
                threshold: t.limits.threshold,
                op: t.rule.op,
                severity: t.limits.severity,
                target: target ? { id: target.id, name: target.name, kind: target.kind, site: target.site, building: target.building, room: target.room } : { id: t.state.targetId },
              }),
            },
            t.at,
          )
        : this.#o.store.resolve(t.state.fingerprint, value, t.at);
    if (!row) return 0;
    changed.push(row);
    this.#flaps.record(row.fingerprint, t.at);
    const muted = this.#mute(target, row, t.at);
    this.#log.info({ alert: row.id, rule: row.rule, target: row.target_id, status: row.status, muted }, `alert ${row.status}`);
    if (t.kind === 'firing') {
      if (muted) {
        this.#o.store.markMuted(row.id, muted);
        return 0;
      }
      return this.#send(t.rule.notify, row, t.at);
    }
    // Resolved: only tell people who were told it was firing.
    const previous = row.last_notified_at ?? null;
    if (previous === null || !this.#o.policy().resolved || muted === 'flapping') return 0;
    return this.#send(t.rule.notify, row, t.at);
  }

  #send(notifiers: readonly string[], row: AlertRow, now: number): number {
    let n = 0;
    for (const notifier of notifiers) if (this.#o.dispatcher.dispatch(notifier, row, now)) n++;
    // Marked even with no notifiers, so the repeat scan does not revisit it every second.
    this.#o.store.markNotified(row.id, now);
    return n;
  }

  /** Repeats for still-firing, unacknowledged alerts; first sends for alerts whose mute ended. */
  #renotify(now: number): void {
    const repeatMs = this.#o.policy().repeatMs;
    const due = this.#o.store.dueForRenotify(now, repeatMs);
    if (due.length === 0 && this.#o.dispatcher.nextFlushAt() === undefined) return;
    const byName = new Map(this.#rules.map((r) => [r.name, r]));
    let queued = this.#o.db.transaction(() => {
      let n = 0;
      for (const row of due) {
        const rule = byName.get(row.rule);
        if (!rule) continue;
        const muted = this.#mute(this.#o.targets.get(row.target_id), row, now);
        if (muted) {
          if (muted !== row.muted_reason) this.#o.store.markMuted(row.id, muted);
          continue;
        }
        n += this.#send(rule.notify, row, now);
      }
      return n;
    })();
    queued += this.#o.dispatcher.flushDue(now);
    if (queued > 0) this.#o.onQueued();
  }
}
