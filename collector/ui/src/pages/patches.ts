import { api, qs } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { ago, num, plural, statusBadge } from '../format.js';
import type { PageFactory } from '../page.js';
import type { Host, Latest } from '../types.js';
import { targetHref } from './fleet.js';

const METRICS = ['patch_pending_updates', 'patch_pending_security_updates', 'patch_reboot_required', 'patch_last_install_timestamp_seconds', 'patch_last_check_timestamp_seconds'] as const;
/** No install for this long counts as behind, even with nothing pending (a stuck update service). */
const STALE_INSTALL_MS = 30 * 86_400_000;

interface Row {
  readonly host: Host;
  readonly pending: number | null;
  readonly security: number | null;
  readonly reboot: boolean | null;
  readonly lastInstallMs: number | null;
  readonly lastCheckMs: number | null;
  readonly state: 'behind' | 'current' | 'no data';
}

type Column = 'name' | 'site' | 'security' | 'pending' | 'reboot' | 'lastInstall' | 'lastCheck' | 'state';

const COLUMNS: ReadonlyArray<{ readonly id: Column; readonly text: string; readonly numeric?: boolean }> = [
  // What matters most first: a phone shows these columns before it has to scroll sideways.
  { id: 'name', text: 'Machine' },
  { id: 'state', text: 'State' },
  { id: 'security', text: 'Security', numeric: true },
  { id: 'pending', text: 'All updates', numeric: true },
  { id: 'reboot', text: 'Reboot' },
  { id: 'lastInstall', text: 'Last install' },
  { id: 'lastCheck', text: 'Last check' },
  { id: 'site', text: 'Site' },
];

function toRow(host: Host, latest: ReadonlyMap<string, number | null>, now: number): Row {
  const v = (m: string): number | null => latest.get(`${host.id} ${m}`) ?? null;
  const security = v('patch_pending_security_updates');
  const pending = v('patch_pending_updates');
  const rebootV = v('patch_reboot_required');
  const reboot = rebootV === null ? null : rebootV === 1;
  const li = v('patch_last_install_timestamp_seconds');
  const lc = v('patch_last_check_timestamp_seconds');
  const lastInstallMs = li === null ? null : li * 1000;
  const lastCheckMs = lc === null ? null : lc * 1000;
  const known = security !== null || pending !== null || reboot !== null;
  const behind = (security ?? 0) > 0 || reboot === true || (lastInstallMs !== null && now - lastInstallMs > STALE_INSTALL_MS);
  return { host, pending, security, reboot, lastInstallMs, lastCheckMs, state: !known ? 'no data' : behind ? 'behind' : 'current' };
}

function sortKey(r: Row, c: Column): string | number {
  switch (c) {
    case 'name':
      return r.host.name.toLowerCase();
    case 'site':
      return r.host.site ?? '';
    case 'security':
      return r.security ?? -1;
    case 'pending':
      return r.pending ?? -1;
    case 'reboot':
      return r.reboot === null ? -1 : r.reboot ? 1 : 0;
    case 'lastInstall':
      // Oldest install first when sorted descending: "longest since" is the interesting end.
      return r.lastInstallMs === null ? -Infinity : -r.lastInstallMs;
    case 'lastCheck':
      return r.lastCheckMs === null ? -Infinity : -r.lastCheckMs;
    case 'state':
      return r.state === 'behind' ? 2 : r.state === 'no data' ? 1 : 0;
  }
}

/** `#/patches`: which machines are behind, per site, sortable. */
export const patchesPage: PageFactory = (root, _params, _query, app) => {
  app.setTitle('Patch compliance');
  let rows: Row[] = [];
  let sortBy: Column = 'security';
  let desc = true;
  let site = '';
  let onlyBehind = false;

  const siteSel = h('select', { 'aria-label': 'Site' });
  const behindBox = h('input', { type: 'checkbox', id: 'only-behind' });
  const summary = h('div', { class: 'site-cards' });
  const table = h('table', { class: 'data', 'data-testid': 'patch-table' });
  siteSel.addEventListener('change', () => {
    site = siteSel.value;
    render();
  });
  behindBox.addEventListener('change', () => {
    onlyBehind = behindBox.checked;
    render();
  });
  fill(
    root,
    h('h1', null, 'Patch compliance'),
    h('p', { class: 'muted' }, 'Behind means a security update is pending, a reboot is pending, or nothing was installed for 30 days.'),
    summary,
    h('div', { class: 'filters' }, siteSel, h('label', { class: 'check' }, behindBox, ' Only machines that are behind')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Patch table' }, table),
  );

  const render = (): void => {
    const sites = [...new Set(rows.map((r) => r.host.site ?? '(no site)'))].sort();
    fill(siteSel, h('option', { value: '' }, 'All sites'), sites.map((s) => h('option', { value: s, selected: s === site }, s)));
    fill(
      summary,
      sites.map((s) => {
        const inSite = rows.filter((r) => (r.host.site ?? '(no site)') === s);
        const behind = inSite.filter((r) => r.state === 'behind').length;
        return h(
          'div',
          { class: `card site-card${behind > 0 ? ' has-behind' : ''}` },
          h('h2', null, s),
          h('p', null, h('strong', null, `${behind} of ${inSite.length}`), ' behind'),
          h('p', { class: 'muted small' }, `${plural(inSite.reduce((n, r) => n + (r.security ?? 0), 0), 'security update')} pending · ${plural(inSite.filter((r) => r.reboot).length, 'reboot')} pending`),
        );
      }),
    );
    const visible = rows.filter((r) => (!site || (r.host.site ?? '(no site)') === site) && (!onlyBehind || r.state === 'behind'));
    visible.sort((a, b) => {
      const x = sortKey(a, sortBy);
      const y = sortKey(b, sortBy);
      const c = x < y ? -1 : x > y ? 1 : a.host.name.localeCompare(b.host.name);
      return desc ? -c : c;
    });
    const now = Date.now();
    fill(
      table,
      h('caption', { class: 'visually-hidden' }, 'Patch state per machine; column buttons sort.'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          COLUMNS.map((c) =>
            h(
              'th',
              { scope: 'col', 'aria-sort': c.id === sortBy ? (desc ? 'descending' : 'ascending') : null, class: c.numeric ? 'num' : null },
              h('button', {
                type: 'button',
                class: 'sort',
                'data-sort': c.id,
                onclick: () => {
                  desc = c.id === sortBy ? !desc : c.id !== 'name' && c.id !== 'site';
                  sortBy = c.id;
                  render();
                },
              }, c.text, h('span', { 'aria-hidden': 'true' }, c.id === sortBy ? (desc ? ' ▼' : ' ▲') : '')),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        visible.length === 0
          ? h('tr', null, h('td', { colspan: COLUMNS.length, class: 'empty' }, rows.length === 0 ? 'No machines report patch state yet.' : 'Nothing matches.'))
          : visible.map((r) =>
              h(
                'tr',
                { 'data-target': r.host.id, class: `state-${r.state.replace(' ', '-')}` },
                h('th', { scope: 'row' }, h('a', { href: targetHref(r.host) }, r.host.name), ' ', r.host.status === 'up' ? null : statusBadge(r.host.status)),
                h('td', null, h('span', { class: `badge patch-${r.state.replace(' ', '-')}` }, h('span', { 'aria-hidden': 'true' }, r.state === 'behind' ? '!' : r.state === 'current' ? '✓' : '?'), ` ${r.state === 'behind' ? 'Behind' : r.state === 'current' ? 'Current' : 'No data'}`)),
                h('td', { class: 'num' }, num(r.security)),
                h('td', { class: 'num' }, num(r.pending)),
                h('td', null, r.reboot === null ? '–' : r.reboot ? 'Pending' : 'No'),
                h('td', null, r.lastInstallMs === null ? '–' : ago(r.lastInstallMs, now)),
                h('td', null, r.lastCheckMs === null ? '–' : ago(r.lastCheckMs, now)),
                h('td', null, r.host.site ?? '–'),
              ),
            ),
      ),
    );
  };

  const load = (): void => {
    Promise.all([api<{ hosts: Host[] }>('/api/v1/hosts'), api<{ latest: Latest[] }>(`/api/v1/latest${qs({ metric: METRICS })}`)])
      .then(([{ hosts }, { latest }]) => {
        const byKey = new Map(latest.map((l) => [`${l.targetId ?? ''} ${l.metric}`, l.value]));
        const now = Date.now();
        rows = hosts.filter((x) => x.kind === 'host').map((x) => toRow(x, byKey, now));
        render();
      })
      .catch((err: unknown) => fill(table, h('caption', { class: 'error' }, `Could not load: ${String(err)}`)));
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
