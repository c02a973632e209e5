import { ApiError, api } from '../api.js';
import { fill, h } from '../dom.js';
import { ago, timeEl } from '../format.js';
import type { AppContext, PageFactory } from '../page.js';
import type { Role } from '../types.js';

interface TokenView {
  readonly id: string;
  readonly site: string | null;
  readonly uses: number;
  readonly usesLeft: number;
  readonly expiresAt: string;
  readonly state: string;
}
interface AgentView {
  readonly id: string;
  readonly name: string | null;
  readonly site: string | null;
  readonly agentVersion: string | null;
  readonly connected: boolean;
  readonly lastSeen: string | null;
  readonly revokedAt: string | null;
  readonly replacedBy: string | null;
}
interface UserView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[] | null;
  readonly disabledAt: string | null;
}

const errText = (err: unknown): string => (err instanceof ApiError ? err.message : String(err));

/** Copies text; falls back to selecting it where the Clipboard API is unavailable (plain http). */
function copyButton(source: HTMLInputElement | HTMLTextAreaElement, what: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'secondary', 'aria-label': `Copy ${what}` }, 'Copy');
  b.addEventListener('click', () => {
    const done = (): void => {
      b.textContent = 'Copied ✓';
      setTimeout(() => (b.textContent = 'Copy'), 2000);
    };
    source.select();
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(source.value).then(done, () => undefined);
    else if (document.execCommand('copy')) done();
  });
  return b;
}

function copyField(label: string, value: string, testId: string): HTMLElement {
  const id = `f-${testId}`;
  const field = value.length > 80 ? h('textarea', { id, readonly: true, rows: Math.min(6, Math.ceil(value.length / 100)), 'data-testid': testId, spellcheck: 'false' }) : h('input', { id, readonly: true, 'data-testid': testId, spellcheck: 'false' });
  field.value = value;
  return h('div', { class: 'copy-field' }, h('label', { for: id }, label), h('div', { class: 'copy-row' }, field, copyButton(field, label)));
}

function section(title: string, id: string, ...children: HTMLElement[]): HTMLElement {
  return h('section', { class: 'card admin-section', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

function tokensSection(app: AppContext): HTMLElement {
  const sites = app.session.sites;
  const site = sites ? h('select', { id: 'tok-site' }, sites.map((s) => h('option', { value: s }, s))) : h('input', { id: 'tok-site', placeholder: 'e.g. north-elementary' });
  const uses = h('input', { id: 'tok-uses', type: 'number', min: 1, max: 10000, value: 1, inputmode: 'numeric' });
  const expires = h('select', { id: 'tok-expires' }, [['1h', '1 hour'], ['24h', '1 day'], ['7d', '1 week'], ['30d', '30 days']].map(([v, t]) => h('option', { value: v, selected: v === '24h' }, t)));
  const result = h('div', { class: 'token-result', role: 'status', 'aria-live': 'polite' });
  const list = h('tbody');
  const form = h(
    'form',
    { class: 'grid-form' },
    h('label', { for: 'tok-site' }, 'Site'),
    site,
    h('label', { for: 'tok-uses' }, 'Machines it may enroll'),
    uses,
    h('label', { for: 'tok-expires' }, 'Valid for'),
    expires,
    h('button', { type: 'submit', class: 'primary' }, 'Create token'),
  );
  const load = (): void => {
    api<{ tokens: TokenView[] }>('/api/v1/tokens')
      .then((r) =>
        fill(
          list,
          r.tokens.length === 0
            ? h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No tokens yet.'))
            : r.tokens.slice(0, 20).map((t) =>
                h(
                  'tr',
                  null,
                  h('td', null, h('code', null, t.id)),
                  h('td', null, t.site ?? 'any'),
                  h('td', null, `${t.usesLeft} of ${t.uses} left`),
                  h('td', null, t.state === 'active' ? `expires ${ago(t.expiresAt)}` : t.state.replace('_', ' ')),
                  h('td', null, t.state === 'active' ? h('button', { type: 'button', class: 'secondary', onclick: () => void api(`/api/v1/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' }).then(load, () => undefined) }, 'Revoke') : null),
                ),
              ),
        ),
      )
      .catch((err: unknown) => fill(list, h('tr', null, h('td', { colspan: 5, class: 'error' }, errText(err)))));
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { ...(site.value.trim() ? { site: site.value.trim() } : {}), uses: Number(uses.value) || 1, expires: expires.value };
    api<{ token: string; id: string; expiresAt: string; install?: { linux: string; windows: string } }>('/api/v1/tokens', { method: 'POST', body })
      .then((r) => {
        // The token exists only in this answer: shown once, never listed again.
        fill(
          result,
          h('p', { class: 'note' }, h('strong', null, 'Shown once. '), 'Copy it now; the collector keeps only a hash.'),
          copyField('Enrollment token', r.token, 'new-token'),
          r.install ? copyField('Linux (run as root)', r.install.linux, 'install-linux') : null,
          r.install ? copyField('Windows (elevated PowerShell)', r.install.windows, 'install-windows') : null,
          h('button', { type: 'button', class: 'link', onclick: () => result.replaceChildren() }, 'Hide'),
        );
        load();
      })
      .catch((err: unknown) => fill(result, h('p', { class: 'error', role: 'alert' }, errText(err))));
  });
  load();
  return section('Enrollment tokens', 'tokens-h', form, result, h('div', { class: 'table-wrap' }, h('table', { class: 'data stack' }, h('thead', null, h('tr', null, ['Token', 'Site', 'Uses', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
}

function agentsSection(): HTMLElement {
  const list = h('tbody');
  const msg = h('p', { role: 'status', class: 'muted small' });
  const act = (path: string, body?: unknown): void => {
    api(path, { method: 'POST', ...(body ? { body } : {}) }).then(load, (err: unknown) => (msg.textContent = errText(err)));
  };
  // A destructive action takes two presses of the same button: no modal, keyboard-friendly.
  const confirmButton = (text: string, run: () => void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'secondary danger' }, text);
    b.addEventListener('click', () => {
      if (b.dataset.armed) run();
      else {
        b.dataset.armed = '1';
        b.textContent = `Confirm: ${text.toLowerCase()}`;
      }
    });
    return b;
  };
  const load = (): void => {
    api<{ agents: AgentView[] }>('/api/v1/agents')
      .then((r) => {
        const live = r.agents.filter((a) => a.revokedAt === null);
        fill(
          list,
          r.agents.length === 0
            ? h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No agents enrolled yet.'))
            : r.agents.map((a) => {
                const others = live.filter((o) => o.id !== a.id);
                const by = h('select', { 'aria-label': `Replacement for ${a.name ?? a.id}` }, others.map((o) => h('option', { value: o.id }, o.name ?? o.id)));
                return h(
                  'tr',
                  { 'data-agent': a.id },
                  h('th', { scope: 'row' }, a.name ?? a.id, h('div', { class: 'muted small' }, a.site ?? 'no site')),
                  h('td', null, a.agentVersion ?? '–'),
                  h('td', null, a.revokedAt ? (a.replacedBy ? 'Replaced' : 'Revoked') : a.connected ? '● Connected' : '○ Not connected'),
                  h('td', null, timeEl(a.lastSeen)),
                  h(
                    'td',
                    null,
                    h(
                      'div',
                      { class: 'actions' },
                      a.revokedAt ? null : confirmButton('Revoke', () => act(`/api/v1/agents/${encodeURIComponent(a.id)}/revoke`)),
                      a.revokedAt || others.length === 0 ? null : h('span', { class: 'replace' }, by, confirmButton('Replace by', () => act(`/api/v1/agents/${encodeURIComponent(a.id)}/replace`, { by: by.value }))),
                    ),
                  ),
                );
              }),
        );
      })
      .catch((err: unknown) => fill(list, h('tr', null, h('td', { colspan: 5, class: 'error' }, errText(err)))));
  };
  load();
  return section('Agents', 'agents-h', h('p', { class: 'muted small' }, 'Replace moves a reimaged machine’s history to its new agent and revokes the old one.'), msg, h('div', { class: 'table-wrap' }, h('table', { class: 'data stack' }, h('thead', null, h('tr', null, ['Machine', 'Version', 'Connection', 'Last seen', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
}

function notifiersSection(): HTMLElement {
  const list = h('ul', { class: 'plain' });
  api<{ notifiers: Array<{ name: string; type: string; disabled: boolean }> }>('/api/v1/notifiers')
    .then((r) =>
      fill(
        list,
        r.notifiers.length === 0
          ? h('li', { class: 'muted' }, 'No notifiers configured (notifiers: in the collector config).')
          : r.notifiers.map((n) => {
              const status = h('span', { class: 'muted small', role: 'status' });
              return h(
                'li',
                { class: 'row', 'data-notifier': n.name },
                h('strong', null, n.name),
                h('span', { class: 'muted' }, ` ${n.type}${n.disabled ? ' · disabled after permanent failures' : ''} `),
                h('button', {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => {
                    status.textContent = 'Sending…';
                    api<{ queued: string }>(`/api/v1/notifiers/${encodeURIComponent(n.name)}/test`, { method: 'POST' }).then(
                      () => (status.textContent = 'Test notification queued; see the receiving channel.'),
                      (err: unknown) => (status.textContent = errText(err)),
                    );
                  },
                }, 'Send test'),
                n.disabled ? h('button', { type: 'button', class: 'secondary', onclick: () => void api(`/api/v1/notifiers/${encodeURIComponent(n.name)}/enable`, { method: 'POST' }).then(() => (status.textContent = 'Enabled.'), (err: unknown) => (status.textContent = errText(err))) }, 'Enable') : null,
                status,
              );
            }),
      ),
    )
    .catch((err: unknown) => fill(list, h('li', { class: 'error' }, errText(err))));
  return section('Notifiers', 'notifiers-h', h('p', { class: 'muted small' }, 'Addresses and secrets stay in the config file and are never shown here.'), list);
}

function usersSection(): HTMLElement {
  const list = h('tbody');
  const msg = h('p', { role: 'status', class: 'muted small' });
  const name = h('input', { id: 'u-name', autocomplete: 'off', required: true, spellcheck: 'false' });
  const password = h('input', { id: 'u-password', type: 'password', autocomplete: 'new-password', required: true });
  const role = h('select', { id: 'u-role' }, (['viewer', 'operator', 'admin'] as const).map((r) => h('option', { value: r }, r)));
  const sites = h('input', { id: 'u-sites', placeholder: 'all sites' });
  const form = h('form', { class: 'grid-form' }, h('label', { for: 'u-name' }, 'Name'), name, h('label', { for: 'u-password' }, 'Password'), password, h('label', { for: 'u-role' }, 'Role'), role, h('label', { for: 'u-sites' }, 'Sites (comma-separated)'), sites, h('button', { type: 'submit', class: 'primary' }, 'Create user'));
  const load = (): void => {
    api<{ users: UserView[] }>('/api/v1/users')
      .then((r) =>
        fill(
          list,
          r.users.map((u) => {
            const sel = h('select', { 'aria-label': `Role of ${u.name}`, disabled: u.disabledAt !== null }, (['viewer', 'operator', 'admin'] as const).map((x) => h('option', { value: x, selected: x === u.role }, x)));
            sel.addEventListener('change', () => void api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body: { role: sel.value } }).then(() => (msg.textContent = `${u.name} is now ${sel.value}.`), (err: unknown) => ((msg.textContent = errText(err)), load())));
            return h(
              'tr',
              null,
              h('th', { scope: 'row' }, u.name),
              h('td', null, sel),
              h('td', null, u.sites?.join(', ') ?? 'all'),
              h('td', null, u.disabledAt ? 'Disabled' : h('button', { type: 'button', class: 'secondary danger', onclick: () => void api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' }).then(load, (err: unknown) => (msg.textContent = errText(err))) }, 'Disable')),
            );
          }),
        ),
      )
      .catch((err: unknown) => fill(list, h('tr', null, h('td', { colspan: 4, class: 'error' }, errText(err)))));
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const siteList = sites.value.split(',').map((s) => s.trim()).filter(Boolean);
    api('/api/v1/users', { method: 'POST', body: { name: name.value.trim(), password: password.value, role: role.value, sites: siteList.length > 0 ? siteList : null } }).then(
      () => {
        msg.textContent = `Created ${name.value.trim()}.`;
        form.reset();
        load();
      },
      (err: unknown) => (msg.textContent = errText(err)),
    );
    password.value = '';
  });
  load();
  return section('Users and roles', 'users-h', h('p', { class: 'muted small' }, 'Viewers see; operators also acknowledge and silence; admins also manage tokens, agents, notifiers and users.'), form, msg, h('div', { class: 'table-wrap' }, h('table', { class: 'data stack' }, h('thead', null, h('tr', null, ['Name', 'Role', 'Sites', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
}

/** `#/admin`: tokens, agents, notifiers and (for admins of every site) users. */
export const adminPage: PageFactory = (root, _params, _query, app) => {
  app.setTitle('Admin');
  if (!app.can('admin')) {
    fill(root, h('h1', null, 'Admin'), h('p', null, 'Your role cannot change settings.'));
    return {};
  }
  fill(root, h('h1', null, 'Admin'), tokensSection(app), agentsSection(), notifiersSection(), app.session.sites === null ? usersSection() : null);
  return {};
};
