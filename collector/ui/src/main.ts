import { ApiError, api, currentSession, signOut, whenUnauthorized } from './api.js';
import { debounce, fill, h } from './dom.js';
import { connectLive, type LiveState } from './live.js';
import type { AppContext, Page, PageFactory } from './page.js';
import { adminPage } from './pages/admin.js';
import { alertsPage } from './pages/alerts.js';
import { fleetPage } from './pages/fleet.js';
import { patchesPage } from './pages/patches.js';
import { signInPage } from './pages/signin.js';
import { apPage, hostPage } from './pages/target.js';
import { wifiPage } from './pages/wifi.js';
import type { Alert, Role, Session } from './types.js';

const RANK: Readonly<Record<Role, number>> = { viewer: 1, operator: 2, admin: 3 };

interface Route {
  readonly re: RegExp;
  readonly page: PageFactory;
  readonly nav: string;
}

const ROUTES: readonly Route[] = [
  { re: /^\/$/, page: fleetPage, nav: 'fleet' },
  { re: /^\/host\/([^/]+)$/, page: hostPage, nav: 'fleet' },
  { re: /^\/patches$/, page: patchesPage, nav: 'patches' },
  { re: /^\/wifi$/, page: wifiPage, nav: 'wifi' },
  { re: /^\/ap\/([^/]+)$/, page: apPage, nav: 'wifi' },
  { re: /^\/alerts$/, page: alertsPage, nav: 'alerts' },
  { re: /^\/admin$/, page: adminPage, nav: 'admin' },
];

const NAV: ReadonlyArray<{ readonly id: string; readonly href: string; readonly text: string; readonly role: Role }> = [
  { id: 'fleet', href: '#/', text: 'Fleet', role: 'viewer' },
  { id: 'patches', href: '#/patches', text: 'Patches', role: 'viewer' },
  { id: 'wifi', href: '#/wifi', text: 'Wi-Fi', role: 'viewer' },
  { id: 'alerts', href: '#/alerts', text: 'Alerts', role: 'viewer' },
  { id: 'admin', href: '#/admin', text: 'Admin', role: 'admin' },
];

const root = document.getElementById('app') as HTMLElement;

function startShell(session: Session): void {
  const app: AppContext = {
    session,
    can: (role) => RANK[session.role] >= RANK[role],
    setTitle: (t) => (document.title = `${t} · Hallmonitor`),
  };
  const firingCount = h('span', { class: 'count', 'data-testid': 'firing-count' });
  const liveEl = h('span', { class: 'live', role: 'status', 'aria-live': 'polite' });
  const links = NAV.filter((n) => app.can(n.role)).map((n) => h('a', { href: n.href, 'data-nav': n.id }, n.text, n.id === 'alerts' ? firingCount : null));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const signOutButton = h('button', {
    type: 'button',
    class: 'link',
    onclick: () => {
      stopLive();
      void signOut().then(() => location.reload());
    },
  }, 'Sign out');
  fill(
    root,
    h('header', { class: 'top' }, h('a', { href: '#/', class: 'brand' }, 'Hallmonitor'), h('nav', { 'aria-label': 'Main' }, links), h('div', { class: 'who' }, liveEl, h('span', { class: 'user' }, `${session.name} (${session.role})`), signOutButton)),
    main,
  );

  let page: Page | undefined;
  const navigate = (): void => {
    page?.dispose?.();
    page = undefined;
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path = '/', query = ''] = raw.split('?');
    const route = ROUTES.find((r) => r.re.test(path));
    for (const a of links) {
      if (a.dataset.nav === route?.nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const el = h('div', { class: 'page' });
    fill(main, el);
    if (!route) {
      app.setTitle('Not found');
      fill(el, h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/' }, 'Back to the fleet')));
      return;
    }
    const params = (route.re.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    page = route.page(el, params, new URLSearchParams(query), app);
    // Keyboard and screen-reader users land on the new content, not the old link.
    if (document.activeElement && document.activeElement !== document.body && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  };

  const refreshCount = debounce(() => {
    void api<{ alerts: Alert[] }>('/api/v1/alerts?state=firing')
      .then((r) => {
        const n = r.alerts.filter((a) => a.acknowledged === null).length;
        firingCount.textContent = n > 0 ? String(n) : '';
        firingCount.setAttribute('aria-label', `${n} unacknowledged firing alerts`);
      })
      .catch(() => undefined);
  }, 200);
  refreshCount();

  const LIVE_TEXT: Readonly<Record<LiveState, string>> = { connecting: '○ Connecting', live: '● Live', reconnecting: '○ Reconnecting…' };
  const stopLive = connectLive(
    (e) => {
      if (e.type !== 'target-status') refreshCount();
      page?.onEvent?.(e);
    },
    (state, reconnected) => {
      liveEl.textContent = LIVE_TEXT[state];
      liveEl.dataset.state = state;
      if (reconnected) {
        refreshCount();
        page?.refresh?.();
      }
    },
  );
  window.addEventListener('hashchange', navigate);
  navigate();
}

async function boot(): Promise<void> {
  whenUnauthorized(() => location.reload());
  try {
    const session = await currentSession();
    if (session) startShell(session);
    else signInPage(root, startShell);
  } catch (err) {
    fill(root, h('main', { class: 'page' }, h('h1', null, 'Hallmonitor'), h('p', { class: 'error', role: 'alert' }, `The collector did not answer: ${err instanceof ApiError ? err.message : String(err)}`)));
  }
}

void boot();
