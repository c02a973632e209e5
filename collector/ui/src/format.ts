import { h } from './dom.js';
import type { TargetStatus } from './types.js';

/** Status is always shown as a glyph and a word, never colour alone. */
export const STATUS: Readonly<Record<TargetStatus, { readonly icon: string; readonly text: string }>> = {
  up: { icon: '✓', text: 'Up' },
  down: { icon: '✕', text: 'Down' },
  expected_offline: { icon: '◐', text: 'Offline (expected)' },
  unknown: { icon: '?', text: 'Unknown' },
};
export const STATUS_ORDER: readonly TargetStatus[] = ['down', 'unknown', 'up', 'expected_offline'];

export function asStatus(s: string): TargetStatus {
  return s in STATUS ? (s as TargetStatus) : 'unknown';
}

export function statusBadge(s: string): HTMLSpanElement {
  const st = asStatus(s);
  return h('span', { class: `badge st-${st}`, 'data-status': st }, h('span', { 'aria-hidden': 'true', class: 'icon' }, STATUS[st].icon), ` ${STATUS[st].text}`);
}

const SEVERITY_ICON: Readonly<Record<string, string>> = { critical: '‼', warning: '!', info: 'i' };

export function severityBadge(sev: string): HTMLSpanElement {
  return h('span', { class: `badge sev-${sev}` }, h('span', { 'aria-hidden': 'true', class: 'icon' }, SEVERITY_ICON[sev] ?? '·'), ` ${sev[0]?.toUpperCase() ?? ''}${sev.slice(1)}`);
}

export function bytes(n: number | null | undefined, suffix = ''): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${n < 0 ? '-' : ''}${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}${suffix}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function num(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** "3 d", "5 h", "12 min", "40 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export function ago(t: string | number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return 'never';
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) return '–';
  return ms > now + 5000 ? `in ${duration(ms - now)}` : `${duration(now - ms)} ago`;
}

/** An absolute time in the reader's locale, for title attributes and tables. */
export function when(t: string | number): string {
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeEl(t: string | null): HTMLElement {
  if (!t) return h('span', null, 'never');
  return h('time', { datetime: t, title: when(t) }, ago(t));
}

export function place(t: { readonly site: string | null; readonly building: string | null; readonly room: string | null }): string {
  return [t.site ?? 'no site', t.building, t.room].filter(Boolean).join(' › ');
}
