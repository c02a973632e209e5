import { parseDuration } from '@hallmonitor/shared';
import type { NotifierType } from '../notifier.js';
import type { AlertView } from '../notification.js';

/**
 * Prometheus Alertmanager (POST /api/v2/alerts), so a district routes, dedupes
 * and silences every school's alerts in one place. `url` is the full API URL
 * (http://alertmanager:9093/api/v2/alerts). Labels identify the alert (same
 * rule + target + series = same Alertmanager alert); everything that changes
 * between notifications is an annotation.
 *
 * Alertmanager resolves an alert whose endsAt has passed. Hallmonitor posts on
 * changes and repeats (notify.repeatInterval), not every minute as Prometheus
 * does, so a firing alert is sent with endsAt = now + `endsAfter` (default
 * 24h, longer than the default repeat interval) and a resolved one with its
 * real end.
 */
interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

const RESERVED = new Set(['alertname', 'severity', 'instance', 'target_id', 'site', 'kind', 'metric']);

function labelsOf(a: AlertView): Record<string, string> {
  const labels: Record<string, string> = { alertname: a.rule, severity: a.severity, instance: a.target.name, target_id: a.target.id, kind: a.target.kind, metric: a.metric };
  if (a.target.site) labels.site = a.target.site;
  // Series labels (mount, interface, radio) keep their names unless they clash.
  for (const [k, v] of Object.entries(a.labels)) if (v !== '') labels[RESERVED.has(k) ? `exported_${k}` : k] = v;
  return labels;
}

function annotationsOf(a: AlertView): Record<string, string> {
  const out: Record<string, string> = { summary: a.summary, hallmonitor_alert_id: a.id, hallmonitor_fingerprint: a.fingerprint };
  if (a.value !== null) out.value = String(a.value);
  if (a.threshold !== null) out.threshold = String(a.threshold);
  if (a.acknowledged) out.acknowledged = `${a.acknowledged.at}${a.acknowledged.by ? ` by ${a.acknowledged.by}` : ''}`;
  return out;
}

function validUrl(u: string): boolean {
  try {
    const p = new URL(u);
    return p.protocol === 'http:' || p.protocol === 'https:';
  } catch {
    return false;
  }
}

export const alertmanagerNotifier: NotifierType = {
  type: 'alertmanager',
  build(config, notification, meta) {
    const endsAfterMs = parseDuration(String((config as { endsAfter?: unknown }).endsAfter ?? '24h')) ?? 86_400_000;
    const now = meta.timestamp * 1000;
    const alerts: AlertmanagerAlert[] = notification.alerts.map((a) => ({
      labels: labelsOf(a),
      annotations: annotationsOf(a),
      startsAt: a.startsAt,
      endsAt: a.status === 'resolved' && a.endsAt ? a.endsAt : new Date(now + endsAfterMs).toISOString(),
      ...(validUrl(a.url) ? { generatorURL: a.url } : {}),
    }));
    const headers: Record<string, string> = {};
    const token = (config as { bearerToken?: unknown }).bearerToken;
    if (typeof token === 'string' && token) headers.authorization = `Bearer ${token}`;
    return { body: JSON.stringify(alerts), headers };
  },
};
