import type { AlertView, Notification } from './notification.js';

const SEVERITY_ORDER = ['critical', 'warning', 'info'];

/** "[FIRING] disk-almost-full · north-elementary (2)" — the one line every chat format leads with. */
export function headline(n: Notification): string {
  const first = n.alerts[0];
  const site = first?.target.site ? ` · ${first.target.site}` : '';
  const count = n.alerts.length > 1 ? ` (${n.alerts.length})` : '';
  return `[${n.status.toUpperCase()}] ${first?.rule ?? 'alert'}${site}${count}`;
}

/** The most severe severity in the notification. */
export function topSeverity(n: Notification): string {
  return [...n.alerts].map((a) => a.severity).sort((a, b) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b))[0] ?? 'info';
}

/** One line per alert; resolved ones say since when. Capped so chat limits are never hit. */
export function alertLines(n: Notification, max = 10): string[] {
  const lines = n.alerts.slice(0, max).map((a: AlertView) => `${a.status === 'resolved' ? '✅' : a.severity === 'critical' ? '🔴' : a.severity === 'warning' ? '🟠' : 'ℹ️'} ${a.summary}${a.status === 'resolved' && a.endsAt ? ` (resolved ${a.endsAt})` : ''}`);
  if (n.alerts.length > max) lines.push(`… and ${n.alerts.length - max} more`);
  return lines;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
