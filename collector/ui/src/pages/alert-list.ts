import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { ago, duration, severityBadge, timeEl, when } from '../format.js';
import type { AppContext } from '../page.js';
import type { Alert } from '../types.js';

const SILENCE_FOR = [
  ['1h', '1 hour'],
  ['4h', '4 hours'],
  ['24h', '1 day'],
  ['7d', '1 week'],
] as const;

/** Ack and silence controls for one firing alert; shown only to operators and admins. */
function actions(a: Alert, app: AppContext, changed: () => void): HTMLElement | null {
  if (!app.can('operator') || a.status !== 'firing') return null;
  const status = h('span', { class: 'muted small', role: 'status' });
  const fail = (err: unknown): void => {
    status.textContent = err instanceof ApiError ? err.message : String(err);
  };
  const ack = a.acknowledged
    ? null
    : h('button', {
        type: 'button',
        'data-action': 'ack',
        onclick: (ev: Event) => {
          (ev.currentTarget as HTMLButtonElement).disabled = true;
          api(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, { method: 'POST' }).then(changed, fail);
        },
      }, 'Acknowledge');
  const form = h('form', { class: 'silence-form', hidden: true });
  const dur = h('select', { 'aria-label': 'Silence for' }, SILENCE_FOR.map(([v, t]) => h('option', { value: v }, t)));
  const comment = h('input', { 'aria-label': 'Reason', placeholder: 'Reason (required)', required: true, maxlength: 1000 });
  form.append(dur, comment, h('button', { type: 'submit' }, 'Silence'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    api('/api/v1/silences', { method: 'POST', body: { matchers: { rule: a.rule, target: a.target.id }, duration: dur.value, comment: comment.value.trim() } }).then(() => {
      form.hidden = true;
      status.textContent = `Silenced for ${dur.selectedOptions[0]?.textContent ?? dur.value}.`;
      changed();
    }, fail);
  });
  const toggle = h('button', {
    type: 'button',
    class: 'secondary',
    'aria-expanded': 'false',
    onclick: (ev: Event) => {
      form.hidden = !form.hidden;
      (ev.currentTarget as HTMLElement).setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) comment.focus();
    },
  }, 'Silence…');
  return h('div', { class: 'actions' }, ack, toggle, form, status);
}

/** One alert as a list item: severity, summary, target, times, state, actions. */
export function alertItem(a: Alert, app: AppContext, changed: () => void, opts: { readonly showTarget?: boolean } = {}): HTMLLIElement {
  const href = `#/${a.target.kind === 'ap' ? 'ap' : 'host'}/${encodeURIComponent(a.target.id)}`;
  const ended = a.endsAt ? Date.parse(a.endsAt) : Date.now();
  return h(
    'li',
    { class: `alert ${a.status}`, 'data-alert': a.id, 'data-rule': a.rule },
    h('div', { class: 'alert-head' }, severityBadge(a.severity), a.status === 'resolved' ? h('span', { class: 'badge resolved' }, h('span', { 'aria-hidden': 'true' }, '✓'), ' Resolved') : h('span', { class: 'badge firing' }, h('span', { 'aria-hidden': 'true' }, '▲'), ' Firing'), a.acknowledged ? h('span', { class: 'badge acked' }, h('span', { 'aria-hidden': 'true' }, '✔'), ' Acknowledged') : null, a.muted ? h('span', { class: 'badge muted-badge' }, `Muted: ${a.muted}`) : null),
    h('p', { class: 'summary' }, a.summary),
    h(
      'p',
      { class: 'muted small' },
      opts.showTarget === false ? null : [h('a', { href }, a.target.name), a.target.site ? ` (${a.target.site})` : '', ' · '],
      `${a.rule} · started `,
      timeEl(a.startsAt),
      a.endsAt ? [` · lasted ${duration(ended - Date.parse(a.startsAt))}, ended `, h('time', { datetime: a.endsAt, title: when(a.endsAt) }, ago(a.endsAt))] : null,
      a.acknowledged ? ` · acknowledged ${ago(a.acknowledged.at)}${a.acknowledged.by ? ` by ${a.acknowledged.by === app.session.id ? 'you' : a.acknowledged.by}` : ''}` : null,
    ),
    actions(a, app, changed),
  );
}
