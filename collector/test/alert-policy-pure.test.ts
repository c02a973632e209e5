import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlapDamper } from '../src/notify/flap-damper.js';
import { muteReason } from '../src/notify/mute.js';
import { silenceMatches } from '../src/notify/silences.js';
import { compileRules, limitsFor } from '../src/rules/compile.js';
import { activeMaintenance, expectedOnline, localTime, withinWeeklyHours } from '../src/rules/schedule.js';
import { TrendTracker } from '../src/rules/trend.js';
import { LivenessTracker, targetStatus } from '../src/targets/liveness.js';
import type { Target } from '../src/targets/targets.js';

const lab: Target = { id: 'h_1', name: 'lab-pc-07', kind: 'host', site: 'north', building: 'main', room: 'lab1', labels: { role: 'lab' }, facts: {}, agentId: 'ag_1', createdAt: 0, parentId: null, lastSeen: null };
const schedule = {
  name: 'lab-hours',
  timezone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri'>,
  hours: '07:00-17:00',
  holidays: [{ from: '2026-12-21', to: '2027-01-06' }],
  match: { role: 'lab' },
};
// Monday 2026-11-23 in Berlin is UTC+1.
const mon = (hhmm: string): number => Date.parse(`2026-11-23T${hhmm}:00+01:00`);

describe('school schedules', () => {
  it('reads wall-clock time in the schedule zone', () => {
    expect(localTime(Date.parse('2026-11-23T06:30:00Z'), 'Europe/Berlin')).toEqual({ weekday: 1, minutes: 7 * 60 + 30, date: '2026-11-23' });
  });

  it('is expected online in school hours only, and never on holidays or weekends', () => {
    expect(expectedOnline([schedule], lab, mon('08:00'))).toBe(true);
    expect(expectedOnline([schedule], lab, mon('06:59'))).toBe(false);
    expect(expectedOnline([schedule], lab, mon('17:00'))).toBe(false);
    expect(expectedOnline([schedule], lab, Date.parse('2026-11-22T10:00:00+01:00'))).toBe(false); // Sunday
    expect(expectedOnline([schedule], lab, Date.parse('2026-12-22T10:00:00+01:00'))).toBe(false); // holidays
    expect(expectedOnline([schedule], { ...lab, labels: { role: 'server' } }, mon('03:00'))).toBe(true); // no schedule: always
  });

  it('handles windows past midnight', () => {
    expect(withinWeeklyHours(Date.parse('2026-11-24T01:00:00Z'), 'UTC', ['mon'], '22:00-02:00')).toBe(true);
    expect(withinWeeklyHours(Date.parse('2026-11-24T03:00:00Z'), 'UTC', ['mon'], '22:00-02:00')).toBe(false);
  });

  it('makes a silent lab PC expected offline at night and down in school hours', () => {
    const silent = { ...lab, lastSeen: mon('06:00') - 3_600_000 };
    expect(targetStatus(silent, { now: mon('22:00'), offlineAfterMs: 45_000, schedules: [schedule] })).toBe('expected_offline');
    expect(targetStatus(silent, { now: mon('10:00'), offlineAfterMs: 45_000, schedules: [schedule] })).toBe('down');
    expect(targetStatus({ ...lab, lastSeen: mon('10:00') - 1000 }, { now: mon('10:00'), offlineAfterMs: 45_000, schedules: [schedule] })).toBe('up');
  });

  it('makes a target behind a down parent unknown', () => {
    const ap: Target = { ...lab, id: 'ap_1', kind: 'ap', parentId: 'h_poller', lastSeen: 0 };
    expect(targetStatus(ap, { now: 10 ** 9, offlineAfterMs: 45_000, schedules: [], statusOf: () => 'down' })).toBe('unknown');
  });
});

describe('liveness', () => {
  it('emits up/down only on change, nothing while expected offline, and no downs during start-up grace', () => {
    const t = new LivenessTracker();
    const a = { ...lab, id: 'a' };
    expect(t.changes([a], () => 'down', true)).toEqual([]);
    expect(t.changes([a], () => 'up').map((c) => c.value)).toEqual([1]);
    expect(t.changes([a], () => 'up')).toEqual([]);
    expect(t.changes([a], () => 'down').map((c) => c.value)).toEqual([0]);
    expect(t.changes([a], () => 'expected_offline')).toEqual([]);
    expect(t.changes([a], () => 'down').map((c) => c.value)).toEqual([0]);
  });
});

describe('maintenance windows', () => {
  it('covers matching targets in a recurring or one-off window', () => {
    const weekly = { name: 'patch-tuesday', match: { site: 'north' }, timezone: 'UTC', days: ['tue' as const], hours: '18:00-22:00' };
    expect(activeMaintenance([weekly], lab, 'disk', Date.parse('2026-11-24T19:00:00Z'))).toBe('patch-tuesday');
    expect(activeMaintenance([weekly], lab, 'disk', Date.parse('2026-11-24T23:00:00Z'))).toBeUndefined();
    const oneOff = { name: 'rewiring', match: { building: 'main' }, rules: ['ap-down'], start: '2026-11-25T08:00:00Z', end: '2026-11-25T12:00:00Z' };
    expect(activeMaintenance([oneOff], lab, 'ap-down', Date.parse('2026-11-25T09:00:00Z'))).toBe('rewiring');
    expect(activeMaintenance([oneOff], lab, 'disk', Date.parse('2026-11-25T09:00:00Z'))).toBeUndefined();
  });
});

describe('flap damping', () => {
  it('mutes after too many transitions and settles after a quiet window', () => {
    const d = new FlapDamper(4, 60_000);
    for (let i = 0; i < 4; i++) expect(d.record('fp', i * 1000)).toBe(false);
    expect(d.record('fp', 5000)).toBe(true);
    expect(d.settle(60_000)).toEqual([]);
    expect(d.settle(65_000)).toEqual(['fp']);
    expect(d.isFlapping('fp')).toBe(false);
  });
});

describe('mute reasons', () => {
  it('prefers the most specific cause', () => {
    expect(muteReason({ dependencyDown: true, silenceId: 's', flapping: true })).toBe('inhibited');
    expect(muteReason({ dependencyDown: false, maintenance: 'm', silenceId: 's', flapping: false })).toBe('maintenance');
    expect(muteReason({ dependencyDown: false, silenceId: 's', flapping: true })).toBe('silenced');
    expect(muteReason({ dependencyDown: false, flapping: true })).toBe('flapping');
    expect(muteReason({ dependencyDown: false, flapping: false })).toBeUndefined();
  });

  it('matches silences on every given field', () => {
    const a = { rule: 'disk', targetId: 'h_1', targetName: 'lab-pc-07', site: 'north', severity: 'warning', labels: { mount: '/' } };
    expect(silenceMatches({ matchers: { target: 'lab-pc-07' } }, a)).toBe(true);
    expect(silenceMatches({ matchers: { rule: 'disk', labels: { mount: '/' } } }, a)).toBe(true);
    expect(silenceMatches({ matchers: { rule: 'disk', labels: { mount: '/home' } } }, a)).toBe(false);
    expect(silenceMatches({ matchers: { site: 'south' } }, a)).toBe(false);
  });
});

describe('trend prediction', () => {
  it('extrapolates a steady rise and waits for enough history', () => {
    const t = new TrendTracker();
    const hour = 3_600_000;
    t.add('k', 0, 50, 6 * hour);
    expect(t.predict('k', 6 * hour, 24 * hour)).toBeUndefined();
    for (let i = 1; i <= 12; i++) t.add('k', i * 30 * 60_000, 50 + i, 6 * hour); // +2 %/h
    const p = t.predict('k', 6 * hour, 24 * hour)!;
    expect(p).toBeGreaterThan(62 + 47);
    expect(p).toBeLessThan(62 + 49);
  });
});

describe('per-target overrides', () => {
  it('applies the first matching override', () => {
    const [r] = compileRules([{ name: 'disk', metric: 'disk_used_percent', op: '>', threshold: 90, recover: 85, for: '5m', severity: 'warning', notify: [], overrides: [{ targets: ['srv-01'], threshold: 95, recover: 92 }, { targets: ['lab-pc-07'], disabled: true }] }]);
    expect(limitsFor(r!, { id: 'x', name: 'srv-01' })).toMatchObject({ threshold: 95, recover: 92, forMs: 300_000 });
    expect(limitsFor(r!, { id: 'h_1', name: 'lab-pc-07' })).toMatchObject({ disabled: true });
    expect(limitsFor(r!, { id: 'y', name: 'other' })).toMatchObject({ threshold: 90, recover: 85 });
  });
});

describe('trend table', () => {
  /** The former implementation (two arrays per series), as the model. */
  function modelPredict(points: Array<[number, number]>, windowMs: number, horizonMs: number): number | undefined {
    if (points.length < 3) return undefined;
    const t0 = points[0]![0];
    const tn = points[points.length - 1]![0];
    if (tn - t0 < windowMs / 4) return undefined;
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const [t, y] of points) {
      const x = (t - t0) / 1000;
      sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    const n = points.length;
    const denom = n * sxx - sx * sx;
    if (denom === 0) return undefined;
    const slope = (n * sxy - sx * sy) / denom;
    return (sy - slope * sx) / n + slope * ((tn - t0 + horizonMs) / 1000);
  }

  it('keeps a ring of points per series that predicts like two growing arrays did', () => {
    const hour = 3_600_000;
    const window = 6 * hour;
    const bucket = window / 32;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 100, noNaN: true })), { minLength: 1, maxLength: 200 }), (steps) => {
        const t = new TrendTracker();
        const model = new Map<string, Array<[number, number]>>();
        const now = [0, 0, 0, 0];
        const start = 1_800_000_000_000;
        for (const [k, minutes, value] of steps) {
          now[k]! += minutes * 60_000;
          const ts = start + now[k]!;
          const key = `disk\u0000h${k}`;
          t.add(key, ts, value, window);
          const pts = model.get(key) ?? [];
          model.set(key, pts);
          const last = pts[pts.length - 1];
          if (last && ts - last[0] < bucket) last[1] = value;
          else {
            pts.push([ts, value]);
            while (pts.length > 32 || ts - pts[0]![0] > window) pts.shift();
          }
        }
        for (const [key, pts] of model) {
          const want = modelPredict(pts, window, 24 * hour);
          const got = t.predict(key, window, 24 * hour);
          if (want === undefined) expect(got).toBeUndefined();
          else expect(Math.abs((got as number) - want)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want)));
        }
      }),
    );
  });
});
