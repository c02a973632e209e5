import { api } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { STATUS, STATUS_ORDER, asStatus, statusBadge, timeEl } from '../format.js';
import type { PageFactory } from '../page.js';
import type { Host, TargetStatus } from '../types.js';

const KIND_TEXT: Readonly<Record<string, string>> = { host: 'Computer', ap: 'Access point' };

export function targetHref(t: Pick<Host, 'id' | 'kind'>): string {
  return `#/${t.kind === 'ap' ? 'ap' : 'host'}/${encodeURIComponent(t.id)}`;
}

function searchText(t: Host): string {
  const f = t.facts;
  return [t.name, t.site, t.building, t.room, t.kind, f.os, f.osVersion, f.hostname, ...Object.values(t.labels)].filter((x) => typeof x === 'string').join(' ').toLowerCase();
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return new Map([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** `#/`: every target grouped by site, building and room, with counts, filters and search. */
export const fleetPage: PageFactory = (root, _params, query, app) => {
  app.setTitle('Fleet');
  let hosts: Host[] = [];
  const shown = new Set<TargetStatus>(STATUS_ORDER.filter((s) => query.get('status') === null || query.get('status') === s));
  let text = '';
  let kind = 'all';

  const counts = h('div', { class: 'counts', role: 'group', 'aria-label': 'Filter by status' });
  const search = h('input', { type: 'search', placeholder: 'Search name, site, room, OS…', 'aria-label': 'Search the fleet' });
  const kindSel = h('select', { 'aria-label': 'Kind' }, h('option', { value: 'all' }, 'All kinds'), h('option', { value: 'host' }, 'Computers'), h('option', { value: 'ap' }, 'Access points'));
  const summary = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'groups' });
  search.addEventListener('input', () => {
    text = search.value.trim().toLowerCase();
    renderList();
  });
  kindSel.addEventListener('change', () => {
    kind = kindSel.value;
    render();
  });
  fill(root, h('h1', null, 'Fleet'), counts, h('div', { class: 'filters' }, search, kindSel), summary, list);

  const renderCounts = (): void => {
    const ofKind = hosts.filter((t) => kind === 'all' || t.kind === kind);
    fill(
      counts,
      STATUS_ORDER.map((s) => {
        const n = ofKind.filter((t) => asStatus(t.status) === s).length;
        return h(
          'button',
          {
            type: 'button',
            class: `count-button st-${s}`,
            'aria-pressed': String(shown.has(s)),
            'data-count': s,
            onclick: () => {
              if (shown.has(s)) shown.delete(s);
              else shown.add(s);
              render();
            },
          },
          h('span', { class: 'n' }, String(n)),
          h('span', null, h('span', { 'aria-hidden': 'true' }, STATUS[s].icon), ` ${STATUS[s].text}`),
        );
      }),
    );
  };

  const row = (t: Host): HTMLElement =>
    h(
      'li',
      { class: `target st-${asStatus(t.status)}`, 'data-target': t.id },
      h('a', { href: targetHref(t), class: 'name' }, t.name),
      statusBadge(t.status),
      h('span', { class: 'meta' }, KIND_TEXT[t.kind] ?? t.kind, typeof t.facts.os === 'string' ? ` · ${t.facts.os}` : '', ' · seen ', timeEl(t.lastSeen)),
    );

  const renderList = (): void => {
    const visible = hosts.filter((t) => (kind === 'all' || t.kind === kind) && shown.has(asStatus(t.status)) && (!text || searchText(t).includes(text)));
    summary.textContent = `${visible.length} of ${hosts.length} shown`;
    if (hosts.length === 0) {
      fill(list, h('div', { class: 'empty card' }, h('h2', null, 'No machines yet'), h('p', null, 'Create an enrollment token under ', h('a', { href: '#/admin' }, 'Admin'), ' and run its one-line install command on a machine.')));
      return;
    }
    const bySite = groupBy(visible, (t) => t.site ?? '(no site)');
    fill(
      list,
      [...bySite.entries()].map(([site, inSite]) =>
        h(
          'section',
          { class: 'site', 'aria-label': `Site ${site}` },
          h('h2', null, site, h('span', { class: 'muted small' }, ` ${inSite.length}`)),
          h(
            'div',
            { class: 'rooms' },
            [...groupBy(inSite, (t) => [t.building ?? '', t.room ?? ''].filter(Boolean).join(' › ') || 'No building or room').entries()].map(([where, items]) =>
              h('div', { class: 'room' }, h('h3', null, where), h('ul', { class: 'targets' }, items.sort((a, b) => STATUS_ORDER.indexOf(asStatus(a.status)) - STATUS_ORDER.indexOf(asStatus(b.status)) || a.name.localeCompare(b.name)).map(row))),
            ),
          ),
        ),
      ),
      visible.length === 0 ? h('p', { class: 'empty' }, 'Nothing matches these filters.') : null,
    );
  };

  const render = (): void => {
    renderCounts();
    renderList();
  };

  const load = (): void => {
    api<{ hosts: Host[] }>('/api/v1/hosts')
      .then((r) => {
        hosts = r.hosts;
        render();
      })
      .catch((err: unknown) => fill(list, h('p', { class: 'error', role: 'alert' }, `Could not load the fleet: ${String(err)}`)));
  };
  const reload = debounce(load, 300);
  const rerender = debounce(render, 50);
  load();

  return {
    onEvent(e) {
      if (e.type !== 'target-status') return;
      const t = hosts.find((x) => x.id === e.targetId);
      if (!t) return reload();
      t.status = asStatus(e.status);
      rerender();
    },
    refresh: load,
  };
};
