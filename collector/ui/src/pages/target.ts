import { api, qs } from '../api.js';
import type { ChartHandle, ChartLine, Unit } from '../chart.js';
import { debounce, fill, h } from '../dom.js';
import { ago, bytes, num, place, statusBadge, timeEl } from '../format.js';
import type { Page, PageFactory } from '../page.js';
import type { Alert, Host, Latest, Series } from '../types.js';
import { alertItem } from './alert-list.js';

interface ChartSpec {
  readonly title: string;
  readonly unit: Unit;
  /** Metric → the word its lines are called by (plus their labels). */
  readonly metrics: ReadonlyArray<readonly [metric: string, name: string]>;
}

const HOST_CHARTS: readonly ChartSpec[] = [
  { title: 'CPU', unit: '%', metrics: [['cpu_usage_percent', 'cpu']] },
  { title: 'Load (1 min)', unit: '', metrics: [['load1', 'load']] },
  { title: 'Memory', unit: '%', metrics: [['memory_used_percent', 'memory'], ['swap_used_percent', 'swap']] },
  { title: 'Disk used', unit: '%', metrics: [['disk_used_percent', '']] },
  { title: 'Network', unit: 'bytes/s', metrics: [['network_receive_bytes_per_second', 'in'], ['network_transmit_bytes_per_second', 'out']] },
  { title: 'Temperature', unit: '°C', metrics: [['cpu_temperature_celsius', 'cpu']] },
];

const AP_CHARTS: readonly ChartSpec[] = [
  { title: 'Clients', unit: '', metrics: [['wifi_ap_clients', 'all'], ['wifi_radio_clients', '']] },
  { title: 'Radio utilisation', unit: '%', metrics: [['wifi_radio_utilization_percent', '']] },
  { title: 'Channel', unit: '', metrics: [['wifi_radio_channel', '']] },
  { title: 'Ping round trip', unit: 's', metrics: [['ping_rtt_seconds', 'rtt']] },
  { title: 'Ping loss', unit: 'ratio', metrics: [['ping_loss_ratio', 'loss']] },
];

/**
 * Ranges and their bucket widths. Steps are multiples of the storage's rollup
 * tiers (1 min, 15 min, 1 h), so long ranges read pre-aggregated buckets and
 * every chart stays at a few hundred points whatever the range.
 */
const RANGES: ReadonlyArray<{ readonly id: string; readonly text: string; readonly ms: number; readonly stepS?: number }> = [
  { id: '1h', text: '1 h', ms: 3_600_000 },
  { id: '6h', text: '6 h', ms: 6 * 3_600_000, stepS: 60 },
  { id: '24h', text: '24 h', ms: 86_400_000, stepS: 300 },
  { id: '7d', text: '7 d', ms: 7 * 86_400_000, stepS: 900 },
  { id: '30d', text: '30 d', ms: 30 * 86_400_000, stepS: 3600 },
  { id: '90d', text: '90 d', ms: 90 * 86_400_000, stepS: 10_800 },
];

const FACTS: ReadonlyArray<readonly [key: string, label: string, fmt?: (v: unknown) => string]> = [
  ['os', 'OS'],
  ['osVersion', 'Version'],
  ['osBuild', 'Build'],
  ['kernel', 'Kernel'],
  ['arch', 'Architecture'],
  ['cpuModel', 'CPU'],
  ['cpuCores', 'Cores'],
  ['memoryBytes', 'Memory', (v) => bytes(Number(v))],
  ['serial', 'Serial number'],
  ['bootTime', 'Booted', (v) => ago(String(v))],
  ['hostname', 'Host name'],
  ['model', 'Model'],
  ['vendor', 'Vendor'],
  ['firmware', 'Firmware'],
  ['address', 'Address'],
];
// Facts come from agents and device profiles; anything that looks like a credential is never shown.
const SECRET_KEY = /secret|password|passphrase|community|token|credential|auth|priv|key/i;

function lineLabel(name: string, s: Series): string {
  const labels = Object.values(s.labels).join(' ');
  return [name, labels].filter(Boolean).join(' ') || s.metric;
}

function factsList(t: Host): HTMLElement {
  const known = new Set(FACTS.map(([k]) => k));
  const rows: HTMLElement[] = [];
  for (const [k, label, fmt] of FACTS) {
    const v = t.facts[k];
    if (v === undefined || v === null || v === '') continue;
    rows.push(h('dt', null, label), h('dd', null, fmt ? fmt(v) : String(v)));
  }
  for (const [k, v] of Object.entries(t.facts)) {
    if (known.has(k) || k.startsWith('patch') || k.startsWith('reboot') || SECRET_KEY.test(k) || v === null || typeof v === 'object') continue;
    rows.push(h('dt', null, k), h('dd', null, String(v)));
  }
  return rows.length > 0 ? h('dl', { class: 'facts' }, rows) : h('p', { class: 'muted' }, 'No facts reported yet.');
}

function patchState(t: Host, latest: readonly Latest[]): HTMLElement {
  const v = (m: string): number | null | undefined => latest.find((l) => l.metric === m)?.value;
  const secs = (m: string): string => {
    const x = v(m);
    return x === null || x === undefined ? '–' : ago(x * 1000);
  };
  const reboot = v('patch_reboot_required');
  const status = typeof t.facts.patchStatus === 'string' ? t.facts.patchStatus : undefined;
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'patch-state' },
    h('dt', null, 'Security updates pending'),
    h('dd', null, num(v('patch_pending_security_updates'))),
    h('dt', null, 'All updates pending'),
    h('dd', null, num(v('patch_pending_updates'))),
    h('dt', null, 'Reboot pending'),
    h('dd', null, reboot === undefined || reboot === null ? '–' : reboot === 1 ? 'Yes' : 'No'),
    h('dt', null, 'Last install'),
    h('dd', null, secs('patch_last_install_timestamp_seconds')),
    h('dt', null, 'Last check'),
    h('dd', null, secs('patch_last_check_timestamp_seconds')),
    status ? [h('dt', null, 'Source'), h('dd', null, typeof t.facts.patchSource === 'string' ? `${t.facts.patchSource} (${status})` : status)] : null,
  );
}

/** A host's or an AP's page: status, facts, patch state, alerts and charts over a chosen range. */
function targetPage(kind: 'host' | 'ap', specs: readonly ChartSpec[]): PageFactory {
  return (root, params, query, app): Page => {
    performance.clearMarks();
    performance.clearMeasures();
    performance.mark('hm:page-start');
    const id = params[0] ?? '';
    const rangeId = RANGES.some((r) => r.id === query.get('range')) ? (query.get('range') as string) : '24h';
    const range = RANGES.find((r) => r.id === rangeId) ?? { id: '24h', text: '24 h', ms: 86_400_000, stepS: 300 };
    const head = h('div', { class: 'target-head' }, h('h1', null, 'Loading…'));
    const alertsEl = h('ul', { class: 'alerts' }, h('li', { class: 'muted' }, 'Loading…'));
    const factsEl = h('div');
    const patchEl = h('div');
    const chartsEl = h('div', { class: 'charts', 'aria-busy': 'true' });
    const rangeNav = h(
      'div',
      { class: 'ranges', role: 'group', 'aria-label': 'Time range' },
      RANGES.map((r) => h('a', { href: `#/${kind}/${encodeURIComponent(id)}?range=${r.id}`, class: 'range', 'aria-current': r.id === rangeId ? 'true' : null, 'data-range': r.id }, r.text)),
    );
    fill(
      root,
      h('p', { class: 'crumbs' }, h('a', { href: kind === 'ap' ? '#/wifi' : '#/' }, kind === 'ap' ? '← Wi-Fi' : '← Fleet')),
      head,
      h('section', { 'aria-labelledby': 'alerts-h' }, h('h2', { id: 'alerts-h' }, 'Alerts'), alertsEl),
      h('div', { class: 'two-col' }, h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, kind === 'ap' ? 'Device' : 'System'), factsEl), kind === 'host' ? h('section', { 'aria-labelledby': 'patch-h' }, h('h2', { id: 'patch-h' }, 'Patches'), patchEl) : null),
      h('section', { 'aria-labelledby': 'charts-h' }, h('div', { class: 'charts-head' }, h('h2', { id: 'charts-h' }, 'Charts'), rangeNav), chartsEl),
    );

    let disposed = false;
    let charts: ChartHandle[] = [];
    let target: Host | undefined;

    const loadHead = async (): Promise<void> => {
      const [{ hosts }, latest] = await Promise.all([api<{ hosts: Host[] }>('/api/v1/hosts'), api<{ latest: Latest[] }>(`/api/v1/hosts/${encodeURIComponent(id)}/latest`).catch(() => ({ latest: [] as Latest[] }))]);
      target = hosts.find((x) => x.id === id);
      if (disposed) return;
      if (!target) {
        fill(head, h('h1', null, 'Not found'), h('p', null, 'No such machine, or it belongs to a site you cannot see.'));
        return;
      }
      app.setTitle(target.name);
      fill(
        head,
        h('h1', null, target.name, ' ', statusBadge(target.status)),
        h('p', { class: 'muted' }, place(target), ' · last seen ', timeEl(target.lastSeen), target.connected === undefined ? null : target.connected ? ' · agent connected' : ' · agent not connected'),
      );
      fill(factsEl, factsList(target));
      if (kind === 'host') fill(patchEl, patchState(target, latest.latest));
    };

    const loadAlerts = async (): Promise<void> => {
      const { alerts } = await api<{ alerts: Alert[] }>(`/api/v1/alerts${qs({ state: 'all', target: id, limit: 20 })}`);
      if (disposed) return;
      alerts.sort((a, b) => (a.status === b.status ? Date.parse(b.startsAt) - Date.parse(a.startsAt) : a.status === 'firing' ? -1 : 1));
      fill(alertsEl, alerts.length === 0 ? h('li', { class: 'muted' }, 'No alerts for this machine.') : alerts.map((a) => alertItem(a, app, refreshAlerts, { showTarget: false })));
    };
    const refreshAlerts = debounce(() => void loadAlerts().catch(() => undefined), 200);

    const loadCharts = async (): Promise<void> => {
      const toMs = Date.now();
      const fromMs = toMs - range.ms;
      const wanted = specs.flatMap((s) => s.metrics.map(([m]) => m));
      // uPlot loads as its own chunk, in parallel with the data: pages without charts never fetch it.
      const [chartMod, ...results] = await Promise.all([
        import('../chart.js'),
        ...wanted.map((m) => api<{ series: Series[] }>(`/api/v1/hosts/${encodeURIComponent(id)}/series${qs({ metric: m, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), step: range.stepS })}`).then((r) => r.series, () => [] as Series[])),
      ]);
      if (disposed) return;
      const byMetric = new Map(wanted.map((m, i) => [m, results[i] ?? []]));
      for (const c of charts) c.destroy();
      charts = [];
      chartsEl.replaceChildren();
      let drawn = 0;
      for (const spec of specs) {
        const lines: ChartLine[] = spec.metrics.flatMap(([m, name]) => (byMetric.get(m) ?? []).filter((s) => s.points.length > 0).map((s) => ({ label: lineLabel(name, s), points: s.points })));
        const box = h('figure', { class: 'chart', 'data-chart': spec.title });
        chartsEl.append(box);
        if (lines.length === 0) {
          box.append(h('figcaption', null, spec.title), h('p', { class: 'muted small' }, 'No data in this range.'));
          continue;
        }
        charts.push(chartMod.lineChart(box, spec.title, spec.unit, lines, { fromMs, toMs }));
        drawn += lines.length;
      }
      chartsEl.setAttribute('aria-busy', 'false');
      // Measured after the browser has painted the charts (the browser test prints it).
      requestAnimationFrame(() =>
        setTimeout(() => {
          performance.mark('hm:charts-drawn');
          const m = performance.measure('hm:host-render', 'hm:page-start', 'hm:charts-drawn');
          document.documentElement.dataset.renderMs = String(Math.round(m.duration));
          document.documentElement.dataset.renderSeries = String(drawn);
        }, 0),
      );
    };

    const loadAll = (): void => {
      loadHead().catch((err: unknown) => fill(head, h('h1', null, 'Could not load'), h('p', { class: 'error', role: 'alert' }, String(err))));
      refreshAlerts();
      loadCharts().catch((err: unknown) => fill(chartsEl, h('p', { class: 'error', role: 'alert' }, `Could not load charts: ${String(err)}`)));
    };
    const refreshHead = debounce(() => void loadHead().catch(() => undefined), 200);
    loadAll();

    return {
      onEvent(e) {
        if (e.type === 'target-status' && e.targetId === id) refreshHead();
        if ((e.type === 'alert' && e.targetId === id) || e.type === 'alert-ack') refreshAlerts();
      },
      refresh: loadAll,
      dispose() {
        disposed = true;
        for (const c of charts) c.destroy();
      },
    };
  };
}

export const hostPage: PageFactory = targetPage('host', HOST_CHARTS);
export const apPage: PageFactory = targetPage('ap', AP_CHARTS);
