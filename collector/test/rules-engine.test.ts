import { describe, expect, it } from 'vitest';
import { compileRules } from '../src/rules/compile.js';
import { applyResult, evaluateSample, evaluateTime, type AlertState, type RuleTarget } from '../src/rules/engine.js';
import { renderTemplate } from '../src/rules/template.js';

const target: RuleTarget = { id: 'h_1', name: 'lab-pc-07', kind: 'host', site: 'north', building: 'main', room: 'lab1' };
const [disk] = compileRules([
  { name: 'disk', metric: 'disk_used_percent', match: { mount: '/' }, op: '>', threshold: 90, recover: 85, for: '5m', severity: 'critical', notify: [], summary: 'Disk {{labels.mount}} on {{target.name}} is {{value}}% full' },
]);
const [instant] = compileRules([{ name: 'hot', metric: 'cpu_temperature_celsius', op: '>=', threshold: 80, for: '0s', severity: 'warning', notify: [] }]);

/** Drives the pure engine like the alert manager does, with a fake clock. */
function driver(rules = [disk!]) {
  const state = new Map<string, AlertState>();
  const log: string[] = [];
  return {
    state,
    log,
    sample(value: number, at: number, labels: Record<string, string> = { mount: '/' }, metric = rules[0]!.metric, t = target) {
      const res = evaluateSample(rules, state, t, { metric, labels, value }, at);
      applyResult(state, res);
      res.transitions.forEach((x) => log.push(`${x.kind}@${at}`));
      return res;
    },
    tick(at: number) {
      const res = evaluateTime(rules, state, at);
      applyResult(state, res);
      res.transitions.forEach((x) => log.push(`${x.kind}@${at}`));
    },
  };
}

describe('rule engine', () => {
  it('goes pending, then fires once `for` has elapsed, then resolves below the recovery threshold', () => {
    const d = driver();
    d.sample(93, 0);
    expect([...d.state.values()][0]?.phase).toBe('pending');
    d.sample(94, 60_000);
    expect(d.log).toEqual([]);
    d.sample(95, 300_000);
    expect(d.log).toEqual(['firing@300000']);
    d.sample(96, 315_000);
    expect(d.log).toEqual(['firing@300000']); // no duplicate firing
    d.sample(88, 330_000); // below threshold but above recover: still firing (hysteresis)
    expect(d.log).toHaveLength(1);
    d.sample(85, 345_000);
    expect(d.log).toEqual(['firing@300000', 'resolved@345000']);
    expect(d.state.size).toBe(0);
  });

  it('fires from the timer when `for` elapses between samples', () => {
    const d = driver();
    d.sample(93, 0);
    d.tick(299_999);
    expect(d.log).toEqual([]);
    d.tick(300_000);
    expect(d.log).toEqual(['firing@300000']);
  });

  it('cancels a pending alert that recovers before `for` elapses', () => {
    const d = driver();
    d.sample(93, 0);
    d.sample(80, 100_000);
    d.tick(400_000);
    expect(d.log).toEqual([]);
    expect(d.state.size).toBe(0);
  });

  it('fires on the first matching sample with for: 0s', () => {
    const d = driver([instant!]);
    d.sample(80, 5, {});
    expect(d.log).toEqual(['firing@5']);
    d.sample(79.9, 6, {});
    expect(d.log).toEqual(['firing@5', 'resolved@6']);
  });

  it('ignores other metrics, other label values, other scopes and NaN', () => {
    const d = driver();
    d.sample(99, 0, { mount: '/home' });
    d.sample(99, 0, { mount: '/' }, 'memory_used_percent');
    d.sample(Number.NaN, 0);
    expect(d.state.size).toBe(0);
    const [scoped] = compileRules([{ name: 's', metric: 'load1', op: '>', threshold: 1, for: '0s', severity: 'info', notify: [], scope: { site: 'south' } }]);
    const s = driver([scoped!]);
    s.sample(5, 0, {});
    expect(s.state.size).toBe(0);
    s.sample(5, 0, {}, 'load1', { ...target, site: 'south' });
    expect(s.log).toEqual(['firing@0']);
  });

  it('keeps one alert per series (fingerprint), not per rule', () => {
    const [any] = compileRules([{ name: 'any-disk', metric: 'disk_used_percent', op: '>', threshold: 90, for: '0s', severity: 'info', notify: [] }]);
    const d = driver([any!]);
    d.sample(95, 0, { mount: '/' });
    d.sample(95, 0, { mount: '/home' });
    d.sample(96, 1, { mount: '/' });
    expect(d.log).toEqual(['firing@0', 'firing@0']);
    expect(d.state.size).toBe(2);
  });

  it('resolves firing alerts of a rule that a reload removed', () => {
    const d = driver([instant!]);
    d.sample(90, 0, {});
    const res = evaluateTime([], d.state, 10);
    expect(res.transitions.map((t) => t.kind)).toEqual(['resolved']);
  });
});

describe('summary templates', () => {
  it('renders fields and marks missing ones instead of failing', () => {
    expect(renderTemplate('Disk {{labels.mount}} on {{target.name}} is {{value}}% full', { labels: { mount: '/' }, target: { name: 'lab-pc-07' }, value: 93.1234 })).toBe('Disk / on lab-pc-07 is 93.12% full');
    expect(renderTemplate('{{labels.nope}} {{ target.room }} {{constructor}}', { labels: {}, target: {} })).toBe('<missing labels.nope> <missing target.room> <missing constructor>');
  });
});
