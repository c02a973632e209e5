import { createHash } from 'node:crypto';
import { labelsKey, labelsMatch } from '@hallmonitor/shared';
import { limitsFor, type Op, type Rule, type RuleLimits } from './compile.js';
import { targetMatches, type TargetLike } from './schedule.js';

/*
 * The rule engine is pure: (rules, alert state, a sample or the time) in,
 * state changes and transitions out. Storage, notification and the clock live
 * at its edges, so every transition is testable with a fake clock.
 */

/** What a rule sees of a target: the same shape schedules and maintenance windows match on. */
export type RuleTarget = TargetLike;

export interface EvalSample {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface AlertState {
  readonly fingerprint: string;
  readonly rule: string;
  readonly targetId: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: 'pending' | 'firing';
  /** When the condition first held (pending start). */
  readonly since: number;
  /** When it started firing. */
  readonly startsAt?: number;
  readonly value: number;
}

export interface Transition {
  readonly kind: 'firing' | 'resolved';
  readonly rule: Rule;
  /** The limits in force for this target (after per-target overrides). */
  readonly limits: RuleLimits;
  readonly state: AlertState;
  readonly at: number;
}

/**
 * The alert states the engine reads, by fingerprint. A view that can also
 * find a state's fingerprint without hashing (`AlertStates`) lets the engine
 * hash only when it creates a state; a plain Map works too.
 */
export interface AlertStateView {
  get(fp: string): AlertState | undefined;
  values(): Iterable<AlertState>;
  readonly size: number;
  /** The fingerprint of the state for these names, or undefined when there is none. */
  fingerprintOf?(rule: string, targetId: string, metric: string, labels: Readonly<Record<string, string>>): string | undefined;
}

export interface EvalResult {
  readonly upserts: readonly AlertState[];
  readonly deletes: readonly string[];
  readonly transitions: readonly Transition[];
}

const EMPTY: EvalResult = Object.freeze({ upserts: [], deletes: [], transitions: [] });

export function compare(op: Op, value: number, threshold: number): boolean {
  // NaN satisfies nothing: a broken sensor neither fires nor resolves by itself.
  if (Number.isNaN(value)) return false;
  switch (op) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
    case '==': return value === threshold;
    case '!=': return value !== threshold;
  }
}

export function fingerprint(rule: string, targetId: string, metric: string, labels: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(`${rule}\u0000${targetId}\u0000${metric}\u0000${labelsKey(labels)}`).digest('hex').slice(0, 24);
}

export function ruleApplies(rule: Rule, target: RuleTarget, sample: EvalSample): boolean {
  if (rule.metric !== sample.metric || !labelsMatch(sample.labels, rule.match)) return false;
  return targetMatches(rule.scope, target);
}

/**
 * Supplies, for rules with `predict`, the value extrapolated from the series'
 * trend; undefined while there is not enough history (the rule then stays quiet).
 */
export type Predictor = (rule: Rule, target: RuleTarget, sample: EvalSample) => number | undefined;

/** Evaluates one new latest sample against every rule that applies to it. */
export function evaluateSample(
  rules: readonly Rule[],
  state: AlertStateView,
  target: RuleTarget,
  sample: EvalSample,
  now: number,
  predict?: Predictor,
): EvalResult {
  const upserts: AlertState[] = [];
  const deletes: string[] = [];
  const transitions: Transition[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, target, sample)) continue;
    const limits = limitsFor(rule, target);
    const known = state.fingerprintOf ? state.fingerprintOf(rule.name, target.id, sample.metric, sample.labels) : fingerprint(rule.name, target.id, sample.metric, sample.labels);
    const cur = known === undefined ? undefined : state.get(known);
    if (limits.disabled) {
      if (cur) {
        deletes.push(cur.fingerprint);
        if (cur.phase === 'firing') transitions.push({ kind: 'resolved', rule, limits, state: cur, at: now });
      }
      continue;
    }
    const value = rule.predict ? predict?.(rule, target, sample) : sample.value;
    if (value === undefined) continue;
    const breaching = compare(rule.op, value, limits.threshold);
    if (!cur) {
      if (!breaching) continue;
      // A new state: the only time a fingerprint is computed when the view indexes them.
      const fp = known ?? fingerprint(rule.name, target.id, sample.metric, sample.labels);
      const base = { fingerprint: fp, rule: rule.name, targetId: target.id, metric: sample.metric, labels: sample.labels, since: now, value };
      if (limits.forMs === 0) {
        const next: AlertState = { ...base, phase: 'firing', startsAt: now };
        upserts.push(next);
        transitions.push({ kind: 'firing', rule, limits, state: next, at: now });
      } else {
        upserts.push({ ...base, phase: 'pending' });
      }
    } else if (cur.phase === 'pending') {
      if (!breaching) {
        deletes.push(cur.fingerprint);
      } else if (now - cur.since >= limits.forMs) {
        const next: AlertState = { ...cur, phase: 'firing', startsAt: now, value };
        upserts.push(next);
        transitions.push({ kind: 'firing', rule, limits, state: next, at: now });
      } else {
        upserts.push({ ...cur, value });
      }
    } else {
      const stillBad = compare(rule.op, value, limits.recover ?? limits.threshold);
      if (stillBad) {
        upserts.push({ ...cur, value });
      } else {
        deletes.push(cur.fingerprint);
        transitions.push({ kind: 'resolved', rule, limits, state: { ...cur, value }, at: now });
      }
    }
  }
  return transitions.length || upserts.length || deletes.length ? { upserts, deletes, transitions } : EMPTY;
}

/**
 * Promotes pending alerts whose `for` has elapsed, without waiting for the next
 * sample: the last value still breached when it arrived.
 */
export function evaluateTime(
  rules: readonly Rule[],
  state: AlertStateView,
  now: number,
  targetOf: (id: string) => { readonly id: string; readonly name: string } | undefined = (id) => ({ id, name: id }),
): EvalResult {
  const byName = new Map(rules.map((r) => [r.name, r]));
  const upserts: AlertState[] = [];
  const deletes: string[] = [];
  const transitions: Transition[] = [];
  for (const cur of state.values()) {
    const rule = byName.get(cur.rule);
    if (!rule) {
      // The rule was removed by a reload: drop its pending state; firing ones resolve.
      deletes.push(cur.fingerprint);
      if (cur.phase === 'firing') transitions.push({ kind: 'resolved', rule: { ...PLACEHOLDER_RULE, name: cur.rule }, limits: PLACEHOLDER_RULE, state: cur, at: now });
      continue;
    }
    const limits = limitsFor(rule, targetOf(cur.targetId) ?? { id: cur.targetId, name: cur.targetId });
    if (cur.phase === 'pending' && now - cur.since >= limits.forMs) {
      const next: AlertState = { ...cur, phase: 'firing', startsAt: now };
      upserts.push(next);
      transitions.push({ kind: 'firing', rule, limits, state: next, at: now });
    }
  }
  return transitions.length || upserts.length || deletes.length ? { upserts, deletes, transitions } : EMPTY;
}

const PLACEHOLDER_RULE: Rule = {
  name: '',
  metric: '',
  match: {},
  scope: {},
  op: '>',
  threshold: 0,
  forMs: 0,
  severity: 'info',
  notify: [],
  summary: '{{rule}} on {{target.name}} resolved (rule removed)',
  overrides: [],
};

/** Applies an EvalResult to a mutable state map. */
export function applyResult(state: { set(fp: string, s: AlertState): unknown; delete(fp: string): unknown }, res: EvalResult): void {
  for (const fp of res.deletes) state.delete(fp);
  for (const s of res.upserts) state.set(s.fingerprint, s);
}
