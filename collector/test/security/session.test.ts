import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { originAllowed } from '../../src/security/origin.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { openProbe } from '../ws-client.js';
import { apiKey, bearer, enroll, login, startCollector, type SecureCollector } from './setup.js';

const PW = 'correct horse battery staple';
let c: SecureCollector;
let adminId: string;
beforeAll(async () => {
  c = await startCollector({}, { security: { loginPerMinute: 1000 } });
  const u = c.security.services.users;
  adminId = (await u.create({ name: 'root-admin', password: PW, role: 'admin' })).id;
  await u.create({ name: 'north-viewer', password: PW, role: 'viewer', sites: ['north'] });
  await u.create({ name: 'north-operator', password: PW, role: 'operator', sites: ['north'] });
});
afterAll(async () => {
  await c.stop();
});

describe('users and passwords', () => {
  it('creates the first admin from the CLI with the password on stdin, hashed with scrypt', async () => {
    const { Readable } = await import('node:stream');
    const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
    Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from('a long enough password\n')]), configurable: true });
    let code: number;
    try {
      code = await main(['node', 'hallmonitor-collector', 'user', 'create', '--name', 'first-admin', '--role', 'admin', '--sites', 'north,south', '--data-dir', c.dataDir]);
    } finally {
      if (stdin) Object.defineProperty(process, 'stdin', stdin);
    }
    expect(code).toBe(0);
    const row = c.app.db.prepare("SELECT password_hash, sites FROM users WHERE name = 'first-admin'").get() as { password_hash: string; sites: string };
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(row.password_hash).not.toContain('a long enough password');
    expect(JSON.parse(row.sites)).toEqual(['north', 'south']);
    expect(await verifyPassword('a long enough password', row.password_hash)).toBe(true);
    expect(await verifyPassword('a long enough passworD', row.password_hash)).toBe(false);
    await expect(c.security.services.users.create({ name: 'weak', password: 'short', role: 'viewer' })).rejects.toMatchObject({ code: 'HM_BAD_REQUEST' });
  });
});

describe('dashboard sessions', () => {
  it('logs in with an HttpOnly SameSite=Strict cookie and says who is logged in', async () => {
    const s = await login(c, 'root-admin', PW);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Path=\//);
    const me = await c.app.http.inject({ url: '/api/v1/session', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'session', name: 'root-admin', role: 'admin', sites: null, csrfToken: s.csrf });
    // The database never holds the cookie value.
    const sid = s.cookie.split('=')[1] as string;
    expect(JSON.stringify(c.app.db.prepare('SELECT * FROM sessions').all())).not.toContain(sid);
  });

  it('needs the CSRF header on every change made with the cookie', async () => {
    const s = await login(c, 'root-admin', PW);
    const without = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie }, payload: {} });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('HM_CSRF');
    const wrong = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(32) }, payload: {} });
    expect(wrong.statusCode).toBe(403);
    const right = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: {} });
    expect(right.statusCode).toBe(200);
    // Reads need no token.
    expect((await c.app.http.inject({ url: '/api/v1/hosts', headers: { cookie: s.cookie } })).statusCode).toBe(200);
  });

  it('refuses changes from another origin, even with a valid session and token (and login CSRF)', async () => {
    const s = await login(c, 'root-admin', PW);
    const evil = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example', host: 'collector:8470' }, payload: {} });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().code).toBe('HM_CSRF');
    const fetchSite = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' }, payload: {} });
    expect(fetchSite.statusCode).toBe(403);
    const loginCsrf = await c.app.http.inject({ method: 'POST', url: '/api/v1/session', headers: { origin: 'https://evil.example', host: 'collector:8470' }, payload: { name: 'root-admin', password: PW } });
    expect(loginCsrf.statusCode).toBe(403);
    const sameOrigin = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://collector:8470', host: 'collector:8470' }, payload: {} });
    expect(sameOrigin.statusCode).toBe(200);
  });

  it('logs out: the cookie is cleared and the session is dead', async () => {
    const s = await login(c, 'root-admin', PW);
    const out = await c.app.http.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await c.app.http.inject({ url: '/api/v1/session', headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it('locks an account name after 5 failures (existing or not), and audits failures', async () => {
    for (const name of ['north-operator', 'no-such-user']) {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        codes.push((await c.app.http.inject({ method: 'POST', url: '/api/v1/session', payload: { name, password: `wrong-${i}-password` }, remoteAddress: `10.5.0.${i}` })).statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    }
    // Locked even with the right password; another account is unaffected.
    const locked = await c.app.http.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'north-operator', password: PW } });
    expect(locked.json().code).toBe('HM_LOGIN_LOCKED');
    await login(c, 'north-viewer', PW);
    expect(c.security.services.audit.list({ limit: 50, action: 'login.failed' }).length).toBeGreaterThanOrEqual(10);
  });

  it('rate-limits login attempts per address', async () => {
    const strict = await startCollector({}, { security: { loginPerMinute: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await strict.app.http.inject({ method: 'POST', url: '/api/v1/session', payload: { name: `u${i}`, password: 'whatever-password' } })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await strict.stop();
    }
  });

  it('ends sessions and keys of a disabled user', async () => {
    const u = await c.security.services.users.create({ name: 'temp-user', password: PW, role: 'operator' });
    const s = await login(c, 'temp-user', PW);
    const made = await c.app.http.inject({ method: 'POST', url: '/api/v1/apikeys', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: { role: 'viewer', name: 'grafana' } });
    expect(made.statusCode).toBe(200);
    const key = (made.json() as { key: string }).key;
    expect((await c.app.http.inject({ url: '/api/v1/hosts', headers: bearer(key) })).statusCode).toBe(200);
    const admin = await login(c, 'root-admin', PW);
    expect((await c.app.http.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } })).statusCode).toBe(204);
    expect((await c.app.http.inject({ url: '/api/v1/hosts', headers: bearer(key) })).statusCode).toBe(401);
    expect((await c.app.http.inject({ url: '/api/v1/session', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    // The last admin of all sites cannot be disabled or demoted.
    const self = await c.app.http.inject({ method: 'PATCH', url: `/api/v1/users/${adminId}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { role: 'viewer' } });
    expect(self.statusCode).toBe(409);
  });

  it('API keys never grant more than their creator has', async () => {
    const s = await login(c, 'north-viewer', PW);
    const h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    expect((await c.app.http.inject({ method: 'POST', url: '/api/v1/apikeys', headers: h, payload: { role: 'admin' } })).statusCode).toBe(403);
    expect((await c.app.http.inject({ method: 'POST', url: '/api/v1/apikeys', headers: h, payload: { role: 'viewer', sites: ['south'] } })).statusCode).toBe(403);
    expect((await c.app.http.inject({ method: 'POST', url: '/api/v1/apikeys', headers: h, payload: { role: 'viewer', sites: null } })).statusCode).toBe(403);
    const ok = await c.app.http.inject({ method: 'POST', url: '/api/v1/apikeys', headers: h, payload: { role: 'viewer' } });
    expect(ok.statusCode).toBe(200);
    const me = await c.app.http.inject({ url: '/api/v1/session', headers: bearer((ok.json() as { key: string }).key) });
    expect(me.json()).toMatchObject({ kind: 'apikey', role: 'viewer', sites: ['north'] });
    // Role escalation through PATCH is for admins of all sites only.
    const esc = await c.app.http.inject({ method: 'PATCH', url: `/api/v1/users/${adminId}`, headers: h, payload: { role: 'admin' } });
    expect(esc.statusCode).toBe(403);
    const siteAdmin = apiKey(c, 'admin', ['north']);
    expect((await c.app.http.inject({ method: 'PATCH', url: `/api/v1/users/${adminId}`, headers: bearer(siteAdmin), payload: { sites: ['north'] } })).statusCode).toBe(403);
  });
});

describe('Origin checks for browser WebSockets', () => {
  it.each([
    [undefined, 'c:8470', false, true],
    ['http://c:8470', 'c:8470', false, true],
    ['https://c:8470', 'c:8470', true, true],
    ['http://c:8470', 'c:8470', true, false],
    ['https://evil.example', 'c:8470', true, false],
    ['null', 'c:8470', false, false],
    ['https://dash.school.example', 'c:8470', true, false],
  ])('origin %s to host %s (tls %s) → %s', (origin, host, tls, want) => {
    expect(originAllowed(origin, host, tls)).toBe(want);
  });

  it('honours an allow-list (publicUrl behind a proxy)', () => {
    expect(originAllowed('https://dash.school.example', 'c:8470', true, { allowed: ['https://dash.school.example/'] })).toBe(true);
  });

  it('refuses a cross-origin WebSocket upgrade with 403, even with a valid credential', async () => {
    const a = await enroll(c, 'pc-origin');
    await expect(openProbe(c.url, a.bearer, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    const same = await openProbe(c.url, a.bearer, { origin: c.url });
    same.ws.close();
  });
});

describe('security headers', () => {
  it('are on API answers, errors and the health check', async () => {
    for (const url of ['/healthz', '/api/v1/hosts', '/api/v1/nope']) {
      const res = await c.app.http.inject({ url });
      expect(res.headers['content-security-policy']).toBe("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
    expect((await c.app.http.inject({ url: '/api/v1/hosts' })).headers['cache-control']).toBe('no-store');
  });

  it('applies a general per-address API rate limit with Retry-After', async () => {
    const tight = await startCollector({}, { security: { api: { perIpPerSecond: 1, perIpBurst: 5 } } });
    try {
      const key = apiKey(tight, 'viewer');
      const codes: number[] = [];
      let retry: unknown;
      for (let i = 0; i < 8; i++) {
        const r = await tight.app.http.inject({ url: '/api/v1/hosts', headers: bearer(key) });
        codes.push(r.statusCode);
        if (r.statusCode === 429) retry = r.headers['retry-after'];
      }
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(codes.slice(5)).toEqual([429, 429, 429]);
      expect(Number(retry)).toBeGreaterThanOrEqual(1);
      // Another address is not affected; /healthz is not limited.
      expect((await tight.app.http.inject({ url: '/api/v1/hosts', headers: bearer(key), remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
      expect((await tight.app.http.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await tight.stop();
    }
  });
});
