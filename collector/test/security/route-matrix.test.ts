import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hello, metrics, openProbe } from '../ws-client.js';
import { roleAllows, type Role } from '../../src/auth/roles.js';
import { apiKey, bearer, enroll, login, startCollector, type SecureCollector } from './setup.js';

/**
 * Every registered route × every kind of caller × site. The route list comes
 * from Fastify itself (the onRoute hook), so a new route without a rule here
 * fails the first test. "north" owns every object the requests touch; the
 * site-limited callers belong to "south" (another site → 404 / filtered /
 * 403 on create) or to "north" (their own site → allowed).
 */
type Need = 'public' | 'agent' | Role | 'global-admin';
type SiteRule = 'object' | 'list' | 'create' | 'none';

interface Caller {
  readonly label: string;
  readonly kind: 'anonymous' | 'agent' | 'apikey' | 'session';
  readonly role?: Role;
  readonly sites: string[] | null;
  headers(unsafe: boolean): Record<string, string>;
}

interface Rule {
  readonly need: Need;
  readonly site: SiteRule;
  /** Builds a fresh request (mutating routes get fresh objects each time). */
  readonly request: () => Promise<{ url: string; payload?: unknown }> | { url: string; payload?: unknown };
  /** Statuses an allowed caller may get (default 200). */
  readonly ok?: readonly number[];
  /** A streaming answer: read the status over a real socket, then hang up. */
  readonly stream?: boolean;
  /** Overrides the computed expectation for special rules (e.g. key ownership). */
  readonly expect?: (c: Caller) => number | undefined;
}

let c: SecureCollector;
const PW = 'matrix password 123';
const north: { agentId: string; targetId: string; bearer: string; alertId: string; tokenId: string; userKeyId: string } = {
  agentId: '', targetId: '', bearer: '', alertId: '', tokenId: '', userKeyId: '',
};
const callers: Caller[] = [];
let counter = 0;

/** A user row with a password hashed once in beforeAll (scrypt is slow on purpose). */
let pwHash = '';
function quickUser(prefix: string): string {
  const id = `usr_${prefix}${++counter}`;
  c.app.db.prepare('INSERT INTO users (id, name, password_hash, role, sites, created_at) VALUES (?, ?, ?, ?, NULL, ?)').run(id, id, pwHash, 'viewer', Date.now());
  return id;
}

function insertAlert(targetId: string): string {
  const id = `al_matrix_${++counter}`;
  c.app.db
    .prepare("INSERT INTO alerts (id, fingerprint, rule, severity, target_id, metric, labels, status, starts_at, summary, updated_at) VALUES (?, ?, 'r', 'warning', ?, 'load1', '{}', 'firing', ?, 's', ?)")
    .run(id, `fp-${id}`, targetId, Date.now(), Date.now());
  return id;
}

const RULES: Record<string, Rule> = {
  'GET /healthz': { need: 'public', site: 'none', request: () => ({ url: '/healthz' }) },
  'GET /': { need: 'public', site: 'none', request: () => ({ url: '/' }), ok: [200, 503] },
  'GET /hosts/:id': { need: 'public', site: 'none', request: () => ({ url: `/hosts/${north.targetId}` }), ok: [302] },
  'GET /ui/:file': { need: 'public', site: 'none', request: () => ({ url: '/ui/app.js' }), ok: [200, 404] },
  'GET /api/v1/status': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/status' }) },
  'GET /api/v1/hosts/:id/latest': { need: 'viewer', site: 'object', request: () => ({ url: `/api/v1/hosts/${north.targetId}/latest` }) },
  'GET /api/v1/latest': { need: 'viewer', site: 'list', request: () => ({ url: '/api/v1/latest?metric=load1' }) },
  // Server-Sent Events: probed over a real socket, status only (the stream stays open).
  'GET /api/v1/events': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/events' }), stream: true },
  'GET /install.sh': { need: 'public', site: 'none', request: () => ({ url: '/install.sh' }), ok: [200, 404, 503] },
  'GET /install.ps1': { need: 'public', site: 'none', request: () => ({ url: '/install.ps1' }), ok: [200, 404, 503] },
  'GET /downloads/SHA256SUMS': { need: 'public', site: 'none', request: () => ({ url: '/downloads/SHA256SUMS' }), ok: [200, 404, 503] },
  'GET /downloads/update.json': { need: 'public', site: 'none', request: () => ({ url: '/downloads/update.json' }), ok: [200, 404, 503] },
  'GET /downloads/:file': { need: 'public', site: 'none', request: () => ({ url: '/downloads/hallmonitor-agent-linux-x64' }), ok: [200, 404, 503] },
  'GET /metrics': { need: 'viewer', site: 'list', request: () => ({ url: '/metrics' }) },
  'GET /api/v1/export': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/export' }) },
  'GET /api/v1/enroll/ca': { need: 'public', site: 'none', request: () => ({ url: '/api/v1/enroll/ca' }), ok: [404] },
  'POST /api/v1/enroll': {
    need: 'public',
    site: 'none',
    request: () => ({ url: '/api/v1/enroll', payload: { token: c.app.ctx.tokens.create({ site: 'north' }, undefined).token, hostname: `m-${++counter}` } }),
  },
  'POST /api/v1/session': { need: 'public', site: 'none', request: () => ({ url: '/api/v1/session', payload: { name: 'matrix-admin', password: PW } }) },
  'GET /api/v1/session': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/session' }) },
  'DELETE /api/v1/session': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/session' }), ok: [204] },
  'GET /api/v1/hosts': { need: 'viewer', site: 'list', request: () => ({ url: '/api/v1/hosts' }) },
  'GET /api/v1/hosts/:id/series': { need: 'viewer', site: 'object', request: () => ({ url: `/api/v1/hosts/${north.targetId}/series?metric=load1` }) },
  'GET /api/v1/hosts/:id/gaps': { need: 'viewer', site: 'object', request: () => ({ url: `/api/v1/hosts/${north.targetId}/gaps` }) },
  'GET /api/v1/alerts': { need: 'viewer', site: 'list', request: () => ({ url: '/api/v1/alerts?state=all' }) },
  'POST /api/v1/alerts/:id/ack': { need: 'operator', site: 'object', request: () => ({ url: `/api/v1/alerts/${insertAlert(north.targetId)}/ack` }) },
  'GET /api/v1/rules': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/rules' }) },
  'GET /api/v1/silences': { need: 'viewer', site: 'list', request: () => ({ url: '/api/v1/silences' }) },
  'POST /api/v1/silences': { need: 'operator', site: 'create', request: () => ({ url: '/api/v1/silences', payload: { matchers: { site: 'north' }, duration: '1h', comment: 'matrix' } }) },
  'DELETE /api/v1/silences/:id': {
    need: 'operator',
    site: 'object',
    request: () => ({ url: `/api/v1/silences/${c.app.ctx.silences.create({ matchers: { site: 'north' }, startsAt: Date.now(), endsAt: Date.now() + 3_600_000, author: 'matrix', comment: 'm' }, Date.now()).id}` }),
  },
  'GET /api/v1/notifications': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/notifications' }) },
  'GET /api/v1/notifiers': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/notifiers' }) },
  'POST /api/v1/notifiers/:name/enable': { need: 'admin', site: 'none', request: () => ({ url: '/api/v1/notifiers/oncall/enable' }) },
  'POST /api/v1/notifiers/:name/test': { need: 'admin', site: 'none', request: () => ({ url: '/api/v1/notifiers/oncall/test' }), ok: [200, 202, 502, 503] },
  'GET /api/v1/tokens': { need: 'admin', site: 'list', request: () => ({ url: '/api/v1/tokens' }) },
  'POST /api/v1/tokens': { need: 'admin', site: 'create', request: () => ({ url: '/api/v1/tokens', payload: { site: 'north' } }) },
  'DELETE /api/v1/tokens/:id': { need: 'admin', site: 'object', request: () => ({ url: `/api/v1/tokens/${c.app.ctx.tokens.create({ site: 'north' }, undefined).id}` }), ok: [204] },
  'GET /api/v1/agents': { need: 'admin', site: 'list', request: () => ({ url: '/api/v1/agents' }) },
  'POST /api/v1/agents/:id/revoke': { need: 'admin', site: 'object', request: async () => ({ url: `/api/v1/agents/${(await enroll(c, `rv-${++counter}`, 'north')).agentId}/revoke` }) },
  'POST /api/v1/agents/:id/replace': {
    need: 'admin',
    site: 'object',
    request: async () => {
      const [o, n] = [await enroll(c, `rp-${++counter}`, 'north'), await enroll(c, `rp-${counter}`, 'north')];
      return { url: `/api/v1/agents/${o.agentId}/replace`, payload: { by: n.agentId } };
    },
  },
  'POST /api/v1/agent/credential': { need: 'agent', site: 'none', request: () => ({ url: '/api/v1/agent/credential' }) },
  'GET /api/v1/users': { need: 'global-admin', site: 'none', request: () => ({ url: '/api/v1/users' }) },
  'POST /api/v1/users': { need: 'global-admin', site: 'none', request: () => ({ url: '/api/v1/users', payload: { name: `u${++counter}`, password: PW, role: 'viewer', sites: ['north'] } }) },
  'PATCH /api/v1/users/:id': {
    need: 'global-admin',
    site: 'none',
    request: () => ({ url: `/api/v1/users/${quickUser('p')}`, payload: { role: 'operator' } }),
  },
  'DELETE /api/v1/users/:id': {
    need: 'global-admin',
    site: 'none',
    request: () => ({ url: `/api/v1/users/${quickUser('d')}` }),
    ok: [204],
  },
  'GET /api/v1/apikeys': { need: 'viewer', site: 'none', request: () => ({ url: '/api/v1/apikeys' }) },
  'POST /api/v1/apikeys': {
    need: 'viewer',
    site: 'none',
    request: () => ({ url: '/api/v1/apikeys', payload: { role: 'viewer', sites: ['north'] } }),
    // Keys come from users (or admins of all sites); a site-limited key cannot grant north.
    expect: (k) => (k.kind === 'apikey' && !(k.role === 'admin' && k.sites === null) ? 403 : undefined),
  },
  'DELETE /api/v1/apikeys/:id': {
    need: 'viewer',
    site: 'none',
    request: () => ({ url: `/api/v1/apikeys/${c.app.ctx.apiKeys.create({ role: 'viewer', userId: quickUser('k') }).id}` }),
    // Only the key's owner or an admin of all sites sees the key; anyone else gets 404.
    expect: (k) => (k.role === 'admin' && k.sites === null ? 204 : 404),
  },
  'GET /api/v1/audit': { need: 'global-admin', site: 'none', request: () => ({ url: '/api/v1/audit' }) },
};

beforeAll(async () => {
  c = await startCollector(
    { notifiers: [{ name: 'oncall', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] },
    { security: { api: { perIpPerSecond: 10_000, perIpBurst: 10_000 }, loginPerMinute: 10_000 } },
  );
  const a = await enroll(c, 'north-pc', 'north');
  Object.assign(north, { agentId: a.agentId, targetId: a.targetId, bearer: a.bearer, alertId: insertAlert(a.targetId) });
  // A reported value, so the latest-value lists have something of north's to hide.
  const p = await openProbe(c.url, a.bearer);
  p.ws.send(hello(a.agentId));
  await p.next('welcome');
  p.ws.send(metrics(1, [{ name: 'load1', value: 1 }]));
  await p.next('ack');
  p.ws.close();
  await c.security.services.users.create({ name: 'matrix-admin', password: PW, role: 'admin' });
  pwHash = (c.app.db.prepare("SELECT password_hash FROM users WHERE name = 'matrix-admin'").pluck().get() as string);
  const session = await login(c, 'matrix-admin', PW);
  const key = (role: Role, sites: string[] | null): Caller => ({ label: `${role} key${sites ? `@${sites.join(',')}` : ''}`, kind: 'apikey', role, sites, headers: (): Record<string, string> => bearer(apiKey(c, role, sites)) });
  callers.push(
    { label: 'anonymous', kind: 'anonymous', sites: null, headers: () => ({}) },
    { label: 'agent', kind: 'agent', sites: null, headers: () => bearer(north.bearer) },
    key('viewer', null),
    key('operator', null),
    key('admin', null),
    key('viewer', ['south']),
    key('operator', ['south']),
    key('admin', ['south']),
    key('admin', ['north']),
    { label: 'admin session', kind: 'session', role: 'admin', sites: null, headers: (unsafe) => ({ cookie: session.cookie, ...(unsafe ? { 'x-csrf-token': session.csrf } : {}) }) },
  );
});
afterAll(async () => {
  await c.stop();
});

function streamStatus(url: string, headers: Record<string, string>): Promise<{ statusCode: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${c.url}${url}`, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      if (res.statusCode !== 200) res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body }));
      else
        setTimeout(() => {
          req.destroy();
          resolve({ statusCode: 200, body });
        }, 100);
    });
    req.on('error', reject);
    req.end();
  });
}

async function freshSession(): Promise<Record<string, string>> {
  const s = await login(c, 'matrix-admin', PW);
  return { cookie: s.cookie, 'x-csrf-token': s.csrf };
}

function expected(rule: Rule, k: Caller): number | 'ok' | 'filtered' {
  if (rule.need === 'public') return 'ok';
  if (k.kind === 'anonymous') return 401;
  if (rule.need === 'agent') return k.kind === 'agent' ? 'ok' : 401;
  if (k.kind === 'agent' || !k.role) return 401;
  if (rule.need === 'global-admin') return k.role === 'admin' && k.sites === null ? 'ok' : 403;
  if (!roleAllows(k.role, rule.need)) return 403;
  const special = rule.expect?.(k);
  if (special !== undefined) return special;
  const otherSite = k.sites !== null && !k.sites.includes('north');
  if (!otherSite) return 'ok';
  return rule.site === 'object' ? 404 : rule.site === 'create' ? 403 : rule.site === 'list' ? 'filtered' : 'ok';
}

describe('authorization matrix', () => {
  it('has a rule for every registered route', () => {
    const registered = [...new Set(c.security.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))];
    expect(registered.length).toBeGreaterThan(20);
    const missing = registered.filter((r) => !(r in RULES));
    expect(missing, `routes without an authorization rule in route-matrix.test.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('declares access on every route it can (config.access), matching the rule', () => {
    for (const r of c.security.routes) {
      const rule = RULES[`${r.method} ${r.url}`];
      if (rule && r.access !== undefined) expect(`${r.method} ${r.url}: ${r.access}`).toBe(`${r.method} ${r.url}: ${rule.need}`);
    }
  });

  it('answers every route × caller × site as the rules say', async () => {
    const failures: string[] = [];
    const registered = new Set(c.security.routes.map((r) => `${r.method} ${r.url}`));
    for (const [route, rule] of Object.entries(RULES)) {
      if (!registered.has(route)) continue; // a route of another area not (yet) registered
      const method = route.split(' ')[0] as 'GET';
      for (const k of callers) {
        const req = await rule.request();
        const unsafe = method !== 'GET';
        // Logging out must not end the session the other rows use.
        const headers = route === 'DELETE /api/v1/session' && k.kind === 'session' ? await freshSession() : k.headers(unsafe);
        const res = rule.stream ? await streamStatus(req.url, headers) : await c.app.http.inject({ method, url: req.url, headers, ...(req.payload !== undefined ? { payload: req.payload as Record<string, unknown> } : unsafe && method !== 'DELETE' ? { payload: {} } : {}) });
        const want = expected(rule, k);
        const okStatuses = rule.ok ?? [200];
        let good: boolean;
        if (want === 'ok') good = okStatuses.includes(res.statusCode);
        else if (want === 'filtered') good = res.statusCode === 200 && !res.body.includes(north.targetId) && !res.body.includes(north.agentId) && !res.body.includes(north.alertId) && !res.body.includes('"north"');
        else good = res.statusCode === want;
        if (!good) failures.push(`${route} as ${k.label}: want ${want}${want === 'ok' ? ` ${okStatuses.join('/')}` : ''}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('shows a site-limited caller its own site’s objects', async () => {
    const own = await c.app.http.inject({ url: '/api/v1/hosts', headers: bearer(apiKey(c, 'viewer', ['north'])) });
    expect(own.body).toContain(north.targetId);
    const alerts = await c.app.http.inject({ url: '/api/v1/alerts?state=all', headers: bearer(apiKey(c, 'viewer', ['north'])) });
    expect(alerts.body).toContain(north.alertId);
  });
});
