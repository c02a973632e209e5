import { api, qs } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { duration, num, statusBadge } from '../format.js';
import type { PageFactory } from '../page.js';
import type { Host, Latest } from '../types.js';
import { targetHref } from './fleet.js';

const METRICS = ['wifi_ap_up', 'wifi_ap_clients', 'wifi_ap_uptime_seconds', 'wifi_radio_channel', 'wifi_radio_utilization_percent', 'wifi_radio_clients'] as const;

interface ApRow {
  readonly ap: Host;
  readonly clients: number | null;
  readonly uptimeS: number | null;
  /** radio → channel, utilisation, clients */
  readonly radios: ReadonlyMap<string, { channel?: number | null; util?: number | null; clients?: number | null }>;
}

function rowsOf(aps: readonly Host[], latest: readonly Latest[]): ApRow[] {
  return aps.map((ap) => {
    const mine = latest.filter((l) => l.targetId === ap.id);
    const one = (m: string): number | null => mine.find((l) => l.metric === m)?.value ?? null;
    const radios = new Map<string, { channel?: number | null; util?: number | null; clients?: number | null }>();
    for (const l of mine) {
      const radio = l.labels.radio;
      if (radio === undefined) continue;
      const r = radios.get(radio) ?? {};
      if (l.metric === 'wifi_radio_channel') r.channel = l.value;
      if (l.metric === 'wifi_radio_utilization_percent') r.util = l.value;
      if (l.metric === 'wifi_radio_clients') r.clients = l.value;
      radios.set(radio, r);
    }
    return { ap, clients: one('wifi_ap_clients'), uptimeS: one('wifi_ap_uptime_seconds'), radios: new Map([...radios.entries()].sort(([a], [b]) => a.localeCompare(b))) };
  });
}

/** `#/wifi`: every access point by building, with status, clients, channels and utilisation. */
export const wifiPage: PageFactory = (root, _params, _query, app) => {
  app.setTitle('Wi-Fi');
  const body = h('div', { 'aria-busy': 'true' });
  fill(root, h('h1', null, 'Wi-Fi'), body);

  const render = (rows: readonly ApRow[]): void => {
    body.setAttribute('aria-busy', 'false');
    if (rows.length === 0) {
      fill(
        body,
        h(
          'div',
          { class: 'empty card', 'data-testid': 'wifi-empty' },
          h('h2', null, 'No access points yet'),
          h('p', null, 'Access points appear here once they are listed under ', h('code', null, 'devices:'), ' in the collector config, with the agent that polls them.'),
        ),
      );
      return;
    }
    const groups = new Map<string, ApRow[]>();
    for (const r of rows) {
      const k = `${r.ap.site ?? '(no site)'} › ${r.ap.building ?? 'No building'}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    fill(
      body,
      [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([where, aps]) =>
          h(
            'section',
            { class: 'building' },
            h('h2', null, where, h('span', { class: 'muted small' }, ` ${aps.length} access points · ${aps.reduce((n, r) => n + (r.clients ?? 0), 0)} clients`)),
            h(
              'div',
              { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `Access points in ${where}` },
              h(
                'table',
                { class: 'data' },
                h('thead', null, h('tr', null, ['Access point', 'Room', 'Status', 'Clients', 'Channels', 'Utilisation', 'Up for'].map((t) => h('th', { scope: 'col' }, t)))),
                h(
                  'tbody',
                  null,
                  aps
                    .sort((a, b) => a.ap.name.localeCompare(b.ap.name))
                    .map((r) =>
                      h(
                        'tr',
                        { 'data-target': r.ap.id },
                        h('th', { scope: 'row' }, h('a', { href: targetHref(r.ap) }, r.ap.name)),
                        h('td', null, r.ap.room ?? '–'),
                        h('td', null, statusBadge(r.ap.status)),
                        h('td', { class: 'num' }, num(r.clients, 0)),
                        h('td', null, [...r.radios.entries()].map(([radio, x]) => `${radio}: ${num(x.channel, 0)}`).join(', ') || '–'),
                        h('td', null, [...r.radios.entries()].map(([radio, x]) => `${radio}: ${x.util === null || x.util === undefined ? '–' : `${num(x.util, 0)} %`}`).join(', ') || '–'),
                        h('td', null, r.uptimeS === null ? '–' : duration(r.uptimeS * 1000)),
                      ),
                    ),
                ),
              ),
            ),
          ),
        ),
    );
  };

  const load = (): void => {
    Promise.all([api<{ hosts: Host[] }>('/api/v1/hosts'), api<{ latest: Latest[] }>(`/api/v1/latest${qs({ metric: METRICS })}`)])
      .then(([{ hosts }, { latest }]) => render(rowsOf(hosts.filter((x) => x.kind === 'ap'), latest)))
      .catch((err: unknown) => fill(body, h('p', { class: 'error', role: 'alert' }, `Could not load: ${String(err)}`)));
  };
  const reload = debounce(load, 500);
  load();
  return {
    onEvent(e) {
      if (e.type === 'target-status') reload();
    },
    refresh: load,
  };
};
