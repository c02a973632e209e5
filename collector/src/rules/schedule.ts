import type { MaintenanceConfig, ScheduleConfig } from '../config/schema.js';

const DAY_INDEX: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export interface TargetLike {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly site: string | null;
  readonly building: string | null;
  readonly room: string | null;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface TargetMatch {
  readonly site?: string;
  readonly building?: string;
  readonly room?: string;
  readonly kind?: string;
  readonly role?: string;
  readonly targets?: readonly string[];
}

export function targetMatches(m: TargetMatch, t: TargetLike): boolean {
  if (m.site !== undefined && m.site !== t.site) return false;
  if (m.building !== undefined && m.building !== t.building) return false;
  if (m.room !== undefined && m.room !== t.room) return false;
  if (m.kind !== undefined && m.kind !== t.kind) return false;
  if (m.role !== undefined && m.role !== t.labels?.role) return false;
  if (m.targets && !m.targets.includes(t.id) && !m.targets.includes(t.name)) return false;
  return true;
}

interface LocalTime {
  readonly weekday: number;
  readonly minutes: number;
  /** YYYY-MM-DD in the zone. */
  readonly date: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time in an IANA zone, via Intl (no time-zone database of our own). */
export function localTime(now: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(now)).map((p) => [p.type, p.value]));
  return {
    weekday: DAY_INDEX[String(parts.weekday).slice(0, 3).toLowerCase()] ?? 0,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parseHours(hours: string): [number, number] {
  const [a = '00:00', b = '00:00'] = hours.split('-');
  const toMin = (x: string): number => Number(x.slice(0, 2)) * 60 + Number(x.slice(3, 5));
  return [toMin(a), toMin(b)];
}

/** True inside the weekly hours (an end before the start wraps past midnight). */
export function withinWeeklyHours(now: number, timeZone: string, days: readonly string[], hours: string): boolean {
  const t = localTime(now, timeZone);
  const [start, end] = parseHours(hours);
  if (start <= end) return days.some((d) => DAY_INDEX[d] === t.weekday) && t.minutes >= start && t.minutes < end;
  // Overnight window: the part after midnight belongs to the previous day's entry.
  if (t.minutes >= start) return days.some((d) => DAY_INDEX[d] === t.weekday);
  if (t.minutes < end) return days.some((d) => DAY_INDEX[d] === (t.weekday + 6) % 7);
  return false;
}

/**
 * Whether a target is expected online now. Targets no schedule matches are
 * always expected online; the first matching schedule decides otherwise.
 */
export function expectedOnline(schedules: readonly ScheduleConfig[], target: TargetLike, now: number): boolean {
  const s = schedules.find((x) => targetMatches(x.match, target));
  if (!s) return true;
  const today = localTime(now, s.timezone).date;
  if (s.holidays.some((h) => today >= h.from && today <= h.to)) return false;
  return withinWeeklyHours(now, s.timezone, s.days, s.hours);
}

/** The name of a maintenance window covering this target (and rule) now, if any. */
export function activeMaintenance(windows: readonly MaintenanceConfig[], target: TargetLike, rule: string, now: number): string | undefined {
  for (const w of windows) {
    if (!targetMatches(w.match, target)) continue;
    if (w.rules && !w.rules.includes(rule)) continue;
    if (w.start || w.end) {
      const start = w.start ? Date.parse(w.start) : Number.NEGATIVE_INFINITY;
      const end = w.end ? Date.parse(w.end) : Number.POSITIVE_INFINITY;
      if (now < start || now >= end) continue;
    }
    if (w.days && w.hours && !withinWeeklyHours(now, w.timezone ?? 'UTC', w.days, w.hours)) continue;
    return w.name;
  }
  return undefined;
}
