import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { addressInCidr, parseCidr } from '../../src/security/cidr.js';
import { apiKey, bearer, startCollector, type SecureCollector } from './setup.js';

let now = Date.now();
let c: SecureCollector;
let admin: string;
beforeAll(async () => {
  c = await startCollector({}, { clock: () => now });
  admin = apiKey(c, 'admin');
});
afterAll(async () => {
  await c.stop();
});

const enroll = (payload: Record<string, unknown>, remoteAddress = '10.20.1.5') =>
  c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { hostname: 'lab-pc', ...payload }, remoteAddress });
const makeToken = async (body: Record<string, unknown>, key = admin) => c.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(key), payload: body });
const audit = (action: string) => c.security.services.audit.list({ limit: 1000, action });

/** Runs the real CLI against this collector's data directory (as a technician would while serve runs). */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => chunks.push(String(s)) > 0) as typeof process.stdout.write;
  try {
    const code = await main(['node', 'hallmonitor-collector', ...args, '--data-dir', c.dataDir]);
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('enrollment tokens', () => {
  it('refuses a reused single-use token with one coded answer and audits both attempts', async () => {
    const { token } = (await makeToken({ site: 'north' })).json() as { token: string };
    expect((await enroll({ token })).statusCode).toBe(200);
    const again = await enroll({ token }, '10.20.1.6');
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual({ code: 'HM_TOKEN_INVALID', message: 'the enrollment token is invalid, expired or used up' });
    expect(audit('enroll.refused').some((e) => e.detail?.reason === 'used_up')).toBe(true);
  });

  it('lets an N-use token enroll N machines of a lab, then no more', async () => {
    const { token } = (await makeToken({ site: 'north', uses: 3 })).json() as { token: string };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await enroll({ token, hostname: `lab-${i}` }, `10.20.2.${i + 1}`)).statusCode);
    expect(codes).toEqual([200, 200, 200, 401]);
  });

  it('refuses an expired token', async () => {
    const { token } = (await makeToken({ expires: '1h' })).json() as { token: string };
    now += 3_600_001;
    const res = await enroll({ token }, '10.20.3.1');
    expect(res.statusCode).toBe(401);
    expect(audit('enroll.refused').some((e) => e.detail?.reason === 'expired')).toBe(true);
  });

  it('refuses a site-scoped token asked for another site, without spending a use', async () => {
    const { token } = (await makeToken({ site: 'north' })).json() as { token: string };
    const wrong = await enroll({ token, site: 'south' }, '10.20.4.1');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toMatch(/another site/);
    const right = await enroll({ token, site: 'north' }, '10.20.4.1');
    expect(right.statusCode).toBe(200);
    const host = c.app.ctx.targets.get((right.json() as { targetId: string }).targetId);
    expect(host?.site).toBe('north');
  });

  it('limits a token to a source network, checked against the client address (IPv4-mapped too)', async () => {
    const created = await makeToken({ site: 'north', uses: 5, network: '10.20.0.0/16' });
    expect(created.statusCode).toBe(200);
    const { token } = created.json() as { token: string };
    const outside = await enroll({ token }, '192.168.7.7');
    expect(outside.statusCode).toBe(401);
    expect(outside.json().code).toBe('HM_TOKEN_INVALID');
    expect(audit('enroll.refused').some((e) => e.detail?.reason === 'wrong_network' && e.ip === '192.168.7.7')).toBe(true);
    expect((await enroll({ token }, '::ffff:10.20.9.9')).statusCode).toBe(200);
    expect((await enroll({ token }, '10.20.200.1')).statusCode).toBe(200);
    const listed = ((await c.app.http.inject({ url: '/api/v1/tokens', headers: bearer(admin) })).json() as { tokens: Array<{ network: string; usesLeft: number }> }).tokens;
    expect(listed.find((t) => t.network === '10.20.0.0/16')?.usesLeft).toBe(3);
    expect((await makeToken({ network: '10.20.0.0/33' })).statusCode).toBe(400);
    expect((await makeToken({ network: 'lab' })).statusCode).toBe(400);
  });

  it('rate-limits guessing: after 10 failures from one address it answers 429, others unaffected', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) codes.push((await enroll({ token: `hm1.guess${'x'.repeat(20)}${i}` }, '10.66.0.1')).statusCode);
    expect(codes.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(codes.slice(10).every((s) => s === 429)).toBe(true);
    const { token } = (await makeToken({})).json() as { token: string };
    expect((await enroll({ token }, '10.66.0.2')).statusCode).toBe(200);
    // The limit forgets after its window.
    now += 61_000;
    expect((await enroll({ token: `hm1.guess${'y'.repeat(20)}` }, '10.66.0.1')).statusCode).toBe(401);
  });

  it('lists tokens without secrets and revokes them through the API (admin only)', async () => {
    const made = (await makeToken({ site: 'north', uses: 2 })).json() as { token: string; id: string };
    const list = await c.app.http.inject({ url: '/api/v1/tokens', headers: bearer(admin) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(made.token.split('.')[1]);
    expect((list.json() as { tokens: Array<{ id: string; state: string }> }).tokens.find((t) => t.id === made.id)?.state).toBe('active');
    expect((await c.app.http.inject({ method: 'DELETE', url: `/api/v1/tokens/${made.id}`, headers: bearer(apiKey(c, 'operator')) })).statusCode).toBe(403);
    expect((await c.app.http.inject({ method: 'DELETE', url: `/api/v1/tokens/${made.id}`, headers: bearer(admin) })).statusCode).toBe(204);
    expect((await enroll({ token: made.token }, '10.20.5.1')).statusCode).toBe(401);
    expect(audit('token.revoke').some((e) => e.object === made.id)).toBe(true);
    expect((await c.app.http.inject({ method: 'DELETE', url: '/api/v1/tokens/tok_nope', headers: bearer(admin) })).statusCode).toBe(404);
  });

  it('keeps a site-limited admin to its own sites', async () => {
    const south = apiKey(c, 'admin', ['south']);
    expect((await makeToken({}, south)).statusCode).toBe(403);
    expect((await makeToken({ site: 'north' }, south)).statusCode).toBe(403);
    expect((await makeToken({ site: 'south' }, south)).statusCode).toBe(200);
    const northToken = (await makeToken({ site: 'north' })).json() as { id: string };
    const seen = (await c.app.http.inject({ url: '/api/v1/tokens', headers: bearer(south) })).json() as { tokens: Array<{ site: string }> };
    expect(seen.tokens.every((t) => t.site === 'south')).toBe(true);
    expect((await c.app.http.inject({ method: 'DELETE', url: `/api/v1/tokens/${northToken.id}`, headers: bearer(south) })).statusCode).toBe(404);
  });

  it('creates network-limited tokens, lists and revokes them from the CLI while serve runs', async () => {
    const bad = await cli('token', 'create', '--network', '10.0.0.0/99');
    expect(bad.code).not.toBe(0);
    const made = await cli('token', 'create', '--site', 'north', '--uses', '2', '--network', '10.30.0.0/24', '--json');
    expect(made.code).toBe(0);
    const { token } = JSON.parse(made.out) as { token: string };
    const listed = JSON.parse((await cli('token', 'list', '--json')).out) as { tokens: Array<{ id: string; network: string | null }> };
    const id = listed.tokens.find((t) => t.network === '10.30.0.0/24')?.id as string;
    expect(id).toMatch(/^tok_/);
    expect((await enroll({ token }, '10.31.0.1')).statusCode).toBe(401);
    expect((await cli('token', 'revoke', id)).code).toBe(0);
    expect((await enroll({ token }, '10.30.0.1')).statusCode).toBe(401);
    expect((await cli('token', 'revoke', 'tok_missing')).code).not.toBe(0);
  });
});

describe('CIDR matching', () => {
  it.each([
    ['10.1.2.3', '10.1.0.0/16', true],
    ['10.2.0.1', '10.1.0.0/16', false],
    ['::ffff:10.1.2.3', '10.1.0.0/16', true],
    ['fd00::5', 'fd00::/8', true],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', 'garbage', false],
    ['garbage', '10.0.0.0/8', false],
    ['10.1.2.3', '0.0.0.0/0', true],
  ])('%s in %s → %s', (addr, cidr, want) => {
    expect(addressInCidr(addr, cidr)).toBe(want);
  });
  it('parses only well-formed CIDRs', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8, family: 'ipv4' });
    expect(parseCidr('10.0.0.0/8/1')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
  });
});
