import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
const keys: Record<string, string> = {};
beforeAll(async () => {
  c = await startTestCollector();
  for (const role of ['admin', 'operator', 'viewer'] as const) keys[role] = c.app.ctx.apiKeys.create(role).key;
});
afterAll(async () => {
  await c.stop();
});

const auth = (role: string): Record<string, string> => ({ authorization: `Bearer ${keys[role]}` });

describe('HTTP API', () => {
  it('serves /healthz without auth', async () => {
    const res = await c.app.http.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['GET', '/api/v1/hosts', undefined],
    ['GET', '/api/v1/alerts', undefined],
    ['GET', '/api/v1/rules', undefined],
    ['POST', '/api/v1/tokens', {}],
    ['POST', '/api/v1/alerts/al_x/ack', undefined],
  ])('%s %s needs an API key (401)', async (method, url, payload) => {
    const res = await c.app.http.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'HM_UNAUTHORIZED' });
    const wrong = await c.app.http.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer hmk_wrong' }, ...(payload ? { payload } : {}) });
    expect(wrong.statusCode).toBe(401);
  });

  it.each([
    ['viewer', 'POST', '/api/v1/tokens', 403],
    ['operator', 'POST', '/api/v1/tokens', 403],
    ['admin', 'POST', '/api/v1/tokens', 200],
    ['viewer', 'POST', '/api/v1/alerts/al_missing/ack', 403],
    ['operator', 'POST', '/api/v1/alerts/al_missing/ack', 404],
    ['viewer', 'GET', '/api/v1/hosts', 200],
  ])('%s: %s %s → %i', async (role, method, url, status) => {
    const res = await c.app.http.inject({ method: method as 'GET', url, headers: auth(role), ...(method === 'POST' ? { payload: {} } : {}) });
    expect(res.statusCode).toBe(status);
  });

  it('lists enrolled hosts with the PRODUCT.md fields', async () => {
    await enrollAgent(c, 'lab-pc-07', 'north');
    const res = await c.app.http.inject({ url: '/api/v1/hosts', headers: auth('viewer') });
    const host = (res.json() as { hosts: Array<Record<string, unknown>> }).hosts.find((h) => h.name === 'lab-pc-07');
    expect(host).toMatchObject({ kind: 'host', site: 'north', status: 'unknown', lastSeen: null });
    expect(host?.id).toMatch(/^h_/);
  });

  it('validates series queries and returns 404 for unknown targets', async () => {
    expect((await c.app.http.inject({ url: '/api/v1/hosts/nope/series?metric=load1', headers: auth('viewer') })).statusCode).toBe(404);
    const bad = await c.app.http.inject({ url: '/api/v1/hosts/nope/series?metric=bad%20name', headers: auth('viewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HM_BAD_REQUEST' });
  });

  it('makes tokens through POST /api/v1/tokens and refuses unknown fields', async () => {
    const ok = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: auth('admin'), payload: { site: 'north', uses: 30, expires: '2h' } });
    expect(ok.json()).toMatchObject({ token: expect.stringMatching(/^hm1\./) });
    const bad = await c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: auth('admin'), payload: { uses: 1, role: 'admin' } });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses reused, unknown and garbage enrollment tokens, and limits failed attempts', async () => {
    const { token } = c.app.ctx.tokens.create({}, undefined);
    const first = await c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: 'a' }, remoteAddress: '10.9.9.9' });
    expect(first.statusCode).toBe(200);
    const reuse = await c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: 'b' }, remoteAddress: '10.9.9.9' });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ code: 'HM_TOKEN_INVALID' });
    let last = 0;
    for (let i = 0; i < 12; i++) {
      last = (await c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: `hm1.guess${'x'.repeat(20)}${i}`, hostname: 'g' }, remoteAddress: '10.9.9.9' })).statusCode;
    }
    expect(last).toBe(429);
  });

  it('answers unknown routes with a coded 404', async () => {
    const res = await c.app.http.inject({ url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'HM_NOT_FOUND' });
  });
});
