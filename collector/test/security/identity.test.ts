import { CLOSE_CODES } from '@hallmonitor/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateCredential } from '../../../agent/src/enroll.js';
import { main } from '../../src/cli/main.js';
import { hello, metrics, openProbe, type WsProbe } from '../ws-client.js';
import { apiKey, bearer, enroll, startCollector, type SecureCollector } from './setup.js';

let c: SecureCollector;
let admin: string;
beforeAll(async () => {
  c = await startCollector({}, { security: { revocationPollMs: 250 } });
  admin = apiKey(c, 'admin');
});
afterAll(async () => {
  await c.stop();
});

async function connected(b: string, agentId: string): Promise<WsProbe> {
  const p = await openProbe(c.url, b);
  p.ws.send(hello(agentId));
  await p.next('welcome');
  return p;
}

const cli = (...args: string[]): Promise<number> => main(['node', 'hallmonitor-collector', ...args, '--data-dir', c.dataDir]);

function samples(targetId: string, metric: string): number {
  return c.app.ctx.store.query({ targetId, metric, fromMs: Date.now() - 600_000, toMs: Date.now() + 60_000, stepMs: 1 }).reduce((n, s) => n + s.points.length, 0);
}

describe('agent identity and revocation', () => {
  it('takes identity from the credential only: A claiming B in its hello is closed and stores nothing as B', async () => {
    const a = await enroll(c, 'pc-a');
    const b = await enroll(c, 'pc-b');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello(b.agentId));
    expect(await p.closed).toMatchObject({ code: CLOSE_CODES.unauthorized });
    expect(samples(b.targetId, 'load1')).toBe(0);
    // B's own credential with A's id in the bearer prefix fails at the upgrade.
    await expect(openProbe(c.url, `${a.agentId}.${b.credential}`)).rejects.toMatchObject({ status: 401 });
  });

  it('POST /agents/{id}/revoke closes the live socket with 4003 at once and refuses reconnects', async () => {
    const a = await enroll(c, 'pc-revoke-api');
    const p = await connected(a.bearer, a.agentId);
    const t0 = Date.now();
    const res = await c.app.http.inject({ method: 'POST', url: `/api/v1/agents/${a.agentId}/revoke`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ agent: { id: a.agentId, revokedAt: expect.any(String) } });
    const closed = await p.closed;
    expect(closed.code).toBe(CLOSE_CODES.revoked);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(openProbe(c.url, a.bearer)).rejects.toMatchObject({ status: 401 });
    expect(c.security.services.audit.list({ limit: 10, action: 'agent.revoke' }).some((e) => e.object === a.agentId)).toBe(true);
  });

  it('notices `agent revoke` run by the CLI on its own database connection within seconds', async () => {
    const a = await enroll(c, 'pc-revoke-cli');
    const other = await enroll(c, 'pc-bystander');
    const p = await connected(a.bearer, a.agentId);
    const bystander = await connected(other.bearer, other.agentId);
    const t0 = Date.now();
    expect(await cli('agent', 'revoke', a.agentId)).toBe(0);
    const closed = await p.closed;
    expect(closed.code).toBe(CLOSE_CODES.revoked);
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(openProbe(c.url, a.bearer)).rejects.toMatchObject({ status: 401 });
    // Others keep reporting.
    bystander.ws.send(metrics(1, [{ name: 'load1', value: 1 }]));
    expect(await bystander.next('ack')).toMatchObject({ seq: 1 });
    bystander.ws.close();
  });

  it('lets a re-enrolled (reimaged) PC take over the old host: same target id and series, old agent revoked', async () => {
    const old = await enroll(c, 'lab-pc-12', 'north');
    const op = await connected(old.bearer, old.agentId);
    op.ws.send(metrics(1, [{ name: 'load1', value: 1, timestamp: Date.now() - 60_000 }]));
    await op.next('ack');
    // Reimaged: the PC enrolls again and gets a fresh agent and target.
    const fresh = await enroll(c, 'lab-pc-12', 'north');
    const np = await connected(fresh.bearer, fresh.agentId);
    const res = await c.app.http.inject({ method: 'POST', url: `/api/v1/agents/${old.agentId}/replace`, headers: bearer(admin), payload: { by: fresh.agentId } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ agent: { id: fresh.agentId, targetId: old.targetId }, replaced: { id: old.agentId, replacedBy: fresh.agentId } });
    expect((await op.closed).code).toBe(CLOSE_CODES.revoked);
    // The new agent is asked to reconnect, and then reports as the old host.
    expect((await np.closed).code).toBe(CLOSE_CODES.goingAway);
    const np2 = await connected(fresh.bearer, fresh.agentId);
    np2.ws.send(metrics(1, [{ name: 'load1', value: 2 }]));
    await np2.next('ack');
    expect(samples(old.targetId, 'load1')).toBe(2);
    const hosts = (await c.app.http.inject({ url: '/api/v1/hosts', headers: bearer(admin) })).json() as { hosts: Array<{ id: string; name: string }> };
    expect(hosts.hosts.filter((h) => h.name === 'lab-pc-12').map((h) => h.id)).toEqual([old.targetId]);
    np2.ws.close();
    // Replacing twice, or with a revoked agent, is a clear conflict.
    const again = await c.app.http.inject({ method: 'POST', url: `/api/v1/agents/${old.agentId}/replace`, headers: bearer(admin), payload: { by: fresh.agentId } });
    expect(again.statusCode).toBe(409);
  });

  it('replaces from the CLI while serve runs', async () => {
    const old = await enroll(c, 'lab-pc-13', 'north');
    const fresh = await enroll(c, 'lab-pc-13', 'north');
    const np = await connected(fresh.bearer, fresh.agentId);
    expect(await cli('agent', 'replace', old.agentId, fresh.agentId)).toBe(0);
    expect((await np.closed).code).toBe(CLOSE_CODES.goingAway);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.app.ctx.targets.get(fresh.targetId)).toBeUndefined();
    expect(c.app.ctx.targets.get(old.targetId)?.agentId).toBe(fresh.agentId);
    await expect(openProbe(c.url, old.bearer)).rejects.toMatchObject({ status: 401 });
    expect(await cli('agent', 'replace', old.agentId, 'ag_nobody')).not.toBe(0);
  });

  it('refuses to merge agents of different sites', async () => {
    const north = await enroll(c, 'pc-n', 'north');
    const south = await enroll(c, 'pc-s', 'south');
    const res = await c.app.http.inject({ method: 'POST', url: `/api/v1/agents/${north.agentId}/replace`, headers: bearer(admin), payload: { by: south.agentId } });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/different sites/);
  });

  it('rotates a credential on the agent’s request; the old one dies on first use of the new one', async () => {
    const a = await enroll(c, 'pc-rotate');
    const config = { collector: { url: c.url }, agent: { id: a.agentId, credential: a.credential } };
    const lost = await rotateCredential(config);
    // The answer was "lost": the old credential still works, and asking again issues another.
    const next = await rotateCredential(config);
    expect(next).not.toBe(lost);
    expect(next).not.toBe(a.credential);
    await expect(openProbe(c.url, `${a.agentId}.${lost}`)).rejects.toMatchObject({ status: 401 });
    const p = await connected(`${a.agentId}.${next}`, a.agentId);
    p.ws.close();
    await expect(openProbe(c.url, a.bearer)).rejects.toMatchObject({ status: 401 });
    // An API key is not an agent credential.
    expect((await c.app.http.inject({ method: 'POST', url: '/api/v1/agent/credential', headers: bearer(admin) })).statusCode).toBe(401);
  });
});
