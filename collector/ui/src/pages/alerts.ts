import { ApiError, api, qs } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { ago, timeEl } from '../format.js';
import type { PageFactory } from '../page.js';
import type { Alert, Silence } from '../types.js';
import { alertItem } from './alert-list.js';

function matcherText(m: Readonly<Record<string, unknown>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** `#/alerts`: firing (ack, silence), recently resolved, and active silences. */
export const alertsPage: PageFactory = (root, _params, _query, app) => {
  app.setTitle('Alerts');
  const firingEl = h('ul', { class: 'alerts', 'data-testid': 'firing' });
  const recentEl = h('ul', { class: 'alerts', 'data-testid': 'recent' });
  const silencesEl = h('ul', { class: 'silences' });
  fill(
    root,
    h('h1', null, 'Alerts'),
    h('section', { 'aria-labelledby': 'firing-h' }, h('h2', { id: 'firing-h' }, 'Firing'), firingEl),
    h('section', { 'aria-labelledby': 'recent-h' }, h('h2', { id: 'recent-h' }, 'Resolved recently'), recentEl),
    h('section', { 'aria-labelledby': 'silences-h' }, h('h2', { id: 'silences-h' }, 'Silences'), silencesEl),
  );

  const load = async (): Promise<void> => {
    const [firing, recent, silences] = await Promise.all([
      api<{ alerts: Alert[] }>('/api/v1/alerts?state=firing'),
      api<{ alerts: Alert[] }>(`/api/v1/alerts${qs({ state: 'resolved', limit: 50 })}`),
      api<{ silences: Silence[] }>('/api/v1/silences'),
    ]);
    // Unacknowledged first, then by severity, then newest.
    const sev = { critical: 0, warning: 1, info: 2 } as const;
    firing.alerts.sort((a, b) => Number(a.acknowledged !== null) - Number(b.acknowledged !== null) || sev[a.severity] - sev[b.severity] || Date.parse(b.startsAt) - Date.parse(a.startsAt));
    fill(firingEl, firing.alerts.length === 0 ? h('li', { class: 'empty' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Nothing is firing.') : firing.alerts.map((a) => alertItem(a, app, reload)));
    fill(recentEl, recent.alerts.length === 0 ? h('li', { class: 'muted' }, 'No resolved alerts yet.') : recent.alerts.map((a) => alertItem(a, app, reload)));
    fill(
      silencesEl,
      silences.silences.length === 0
        ? h('li', { class: 'muted' }, 'No active silences.')
        : silences.silences.map((s) =>
            h(
              'li',
              { class: 'card silence' },
              h('p', null, h('strong', null, matcherText(s.matchers))),
              h('p', { class: 'muted small' }, `${s.comment} — ${s.author} · until `, timeEl(s.endsAt), ` (${ago(s.endsAt)})`),
              app.can('operator')
                ? h('button', {
                    type: 'button',
                    class: 'secondary',
                    onclick: (ev: Event) => {
                      const b = ev.currentTarget as HTMLButtonElement;
                      api(`/api/v1/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' }).then(reload, (err: unknown) => b.after(h('span', { class: 'error', role: 'alert' }, ` ${err instanceof ApiError ? err.message : String(err)}`)));
                    },
                  }, 'End silence')
                : null,
            ),
          ),
    );
  };
  const reload = debounce(() => void load().catch((err: unknown) => fill(firingEl, h('li', { class: 'error', role: 'alert' }, `Could not load alerts: ${String(err)}`))), 150);
  reload();
  return {
    onEvent(e) {
      if (e.type === 'alert' || e.type === 'alert-ack') reload();
    },
    refresh: reload,
  };
};
