import { ApiError, signIn } from '../api.js';
import { fill, h } from '../dom.js';
import type { Session } from '../types.js';

/** The sign-in form. There is no default account: the first admin comes from the CLI. */
export function signInPage(root: HTMLElement, onSignedIn: (s: Session) => void): void {
  document.title = 'Sign in · Hallmonitor';
  const name = h('input', { id: 'name', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Hallmonitor'),
    h('p', { class: 'muted' }, 'Sign in to see your schools.'),
    h('label', { for: 'name' }, 'Name'),
    name,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    submit,
    h('p', { class: 'muted small' }, 'No account yet? An administrator creates one with ', h('code', null, 'hallmonitor-collector user create'), '.'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    signIn(name.value.trim(), password.value)
      .then((s) => onSignedIn(s))
      .catch((err: unknown) => {
        submit.disabled = false;
        password.value = '';
        error.textContent = err instanceof ApiError ? (err.status === 401 ? 'Wrong name or password.' : err.message) : 'The collector did not answer.';
        password.focus();
      });
  });
  fill(root, h('main', { class: 'page signin-page' }, form));
  name.focus();
}
