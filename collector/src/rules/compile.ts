import { parseDuration } from '@hallmonitor/shared';
import type { RuleConfig } from '../config/schema.js';
import type { TargetMatch } from './schedule.js';

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Severity = 'critical' | 'warning' | 'info';

/** Which targets a rule watches: the same matcher schedules and maintenance windows use. */
export type RuleScope = TargetMatch;

/** The parts of a rule a per-target override may change. */
export interface RuleLimits {
  readonly threshold: number;
  /** Resolve only once the value no longer satisfies `op` against this (hysteresis). */
  readonly recover?: number;
  readonly forMs: number;
  readonly severity: Severity;
  readonly disabled?: boolean;
}

export interface RuleOverride extends Partial<RuleLimits> {
  readonly targets: readonly string[];
}

export interface Rule extends RuleLimits {
  readonly name: string;
  readonly metric: string;
  readonly match: Readonly<Record<string, string>>;
  readonly scope: RuleScope;
  readonly op: Op;
  readonly notify: readonly string[];
  readonly summary: string;
  /** Compare the value extrapolated `horizonMs` ahead over a `windowMs` trend instead of the value itself. */
  readonly predict?: { readonly windowMs: number; readonly horizonMs: number };
  readonly overrides: readonly RuleOverride[];
}

const DEFAULT_SUMMARY = '{{rule}}: {{metric}} on {{target.name}} is {{value}} ({{op}} {{threshold}})';

/** Turns validated config rules into the engine's form (durations in ms, defaults filled). */
export function compileRules(rules: readonly RuleConfig[], defaultNotify: readonly string[] = []): Rule[] {
  return rules.map((r) => ({
    name: r.name,
    metric: r.metric,
    match: r.match ?? {},
    scope: r.scope ?? {},
    op: r.op as Op,
    threshold: r.threshold,
    ...(r.recover !== undefined ? { recover: r.recover } : {}),
    forMs: parseDuration(r.for) ?? 0,
    severity: r.severity as Severity,
    notify: r.notify.length > 0 ? r.notify : defaultNotify,
    summary: r.summary ?? DEFAULT_SUMMARY,
    ...(r.predict ? { predict: { windowMs: parseDuration(r.predict.window) ?? 0, horizonMs: parseDuration(r.predict.horizon) ?? 0 } } : {}),
    overrides: (r.overrides ?? []).map((o) => ({
      targets: o.targets,
      ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
      ...(o.recover !== undefined ? { recover: o.recover } : {}),
      ...(o.for !== undefined ? { forMs: parseDuration(o.for) ?? 0 } : {}),
      ...(o.severity !== undefined ? { severity: o.severity as Severity } : {}),
      ...(o.disabled !== undefined ? { disabled: o.disabled } : {}),
    })),
  }));
}

/** The rule's limits for one target, with the first matching override applied. */
export function limitsFor(rule: Rule, target: { readonly id: string; readonly name: string }): RuleLimits {
  const o = rule.overrides.find((x) => x.targets.includes(target.id) || x.targets.includes(target.name));
  if (!o) return rule;
  return {
    threshold: o.threshold ?? rule.threshold,
    ...((o.recover ?? rule.recover) !== undefined ? { recover: (o.recover ?? rule.recover) as number } : {}),
    forMs: o.forMs ?? rule.forMs,
    severity: o.severity ?? rule.severity,
    ...(o.disabled ? { disabled: true } : {}),
  };
}
