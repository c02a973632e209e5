import { parseDuration } from '@hallmonitor/shared';
import type { RuleConfig } from '../config/schema.js';

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Severity = 'critical' | 'warning' | 'info';

export interface Rule {
  readonly name: string;
  readonly metric: string;
  readonly match: Readonly<Record<string, string>>;
  readonly scope: {
    readonly site?: string;
    readonly building?: string;
    readonly room?: string;
    readonly kind?: string;
    readonly targets?: readonly string[];
  };
  readonly op: Op;
  readonly threshold: number;
  /** Resolve only once the value no longer satisfies `op` against this (hysteresis). */
  readonly recover?: number;
  readonly forMs: number;
  readonly severity: Severity;
  readonly notify: readonly string[];
  readonly summary: string;
}

const DEFAULT_SUMMARY = '{{rule}}: {{metric}} on {{target.name}} is {{value}} ({{op}} {{threshold}})';

/** Turns validated config rules into the engine's form (durations in ms, defaults filled). */
export function compileRules(rules: readonly RuleConfig[]): Rule[] {
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
    notify: r.notify,
    summary: r.summary ?? DEFAULT_SUMMARY,
  }));
}
