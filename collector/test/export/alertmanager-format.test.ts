import { describe, expect, it } from 'vitest';
import type { NotifierConfig } from '../../src/config/schema.js';
import type { AlertView, Notification } from '../../src/notify/notification.js';
import { alertmanagerNotifier } from '../../src/notify/notifiers/alertmanager.js';
import { NOTIFIER_TYPES } from '../../src/notify/registry.js';

const alert = (over: Partial<AlertView> = {}): AlertView => ({
  id: 'al_1',
  fingerprint: 'fp1',
  status: 'firing',
  rule: 'disk-almost-full',
  severity: 'critical',
  target: { id: 'h_1', name: 'lab-pc-07', kind: 'host', site: 'north' },
  metric: 'disk_used_percent',
  labels: { mount: '/', severity: 'x' },
  value: 93.1,
  threshold: 90,
  startsAt: '2026-11-23T08:00:00.000Z',
  endsAt: null,
  summary: 'Disk / is 93.1% full',
  url: 'https://collector.example/hosts/h_1',
  ...over,
});
const config = { name: 'district', type: 'alertmanager', url: 'http://am:9093/api/v2/alerts', allowPrivateNetwork: false, maxAttempts: 12 } as NotifierConfig;
const build = (n: Notification, c: NotifierConfig = config): Array<Record<string, unknown>> => JSON.parse((alertmanagerNotifier.build?.(c, n, { deliveryId: 'd1', timestamp: 1_795_000_000 }) as { body: string }).body) as Array<Record<string, unknown>>;

describe('alertmanager notifier format', () => {
  it('is registered', () => {
    expect(NOTIFIER_TYPES.get('alertmanager')).toBe(alertmanagerNotifier);
  });

  it('sends identity as labels, the rest as annotations, firing with endsAt a day out', () => {
    const [a] = build({ version: 1, status: 'firing', groupKey: 'g', alerts: [alert()] });
    expect(a).toEqual({
      labels: { alertname: 'disk-almost-full', severity: 'critical', instance: 'lab-pc-07', target_id: 'h_1', kind: 'host', metric: 'disk_used_percent', site: 'north', mount: '/', exported_severity: 'x' },
      annotations: { summary: 'Disk / is 93.1% full', hallmonitor_alert_id: 'al_1', hallmonitor_fingerprint: 'fp1', value: '93.1', threshold: '90' },
      startsAt: '2026-11-23T08:00:00.000Z',
      endsAt: new Date(1_795_000_000_000 + 86_400_000).toISOString(),
      generatorURL: 'https://collector.example/hosts/h_1',
    });
  });

  it('resolved alerts carry their real end; endsAfter is configurable', () => {
    const [r] = build({ version: 1, status: 'resolved', groupKey: 'g', alerts: [alert({ status: 'resolved', endsAt: '2026-11-23T09:00:00.000Z' })] });
    expect(r?.endsAt).toBe('2026-11-23T09:00:00.000Z');
    const [f] = build({ version: 1, status: 'firing', groupKey: 'g', alerts: [alert()] }, { ...config, endsAfter: '6h' } as NotifierConfig);
    expect(f?.endsAt).toBe(new Date(1_795_000_000_000 + 6 * 3_600_000).toISOString());
  });
});
