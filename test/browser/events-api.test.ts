import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, apiRequest, waitFor } from '../support/processes.js';
import { startFakeHost, type FakeHost } from './support/fake-host.js';
import { openEvents, type SseStream } from './support/sse.js';
import { buildUi, startStack, type Stack } from './support/stack.js';

/** GET with the collector's CA, returning raw headers and body (the UI files are not JSON). */
function rawGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca, checkServerIdentity: () => undefined });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end();
  });
}

type StatusEvent = { type: string; targetId?: string; status?: string };

/*
 * The dashboard's server side against a real collector process: the live
 * event stream (site filtering, the per-caller cap), the latest-value reads and
 * the static files (CSP, caching, gzip, no path tricks).
 */
describe('dashboard API: events, latest values, files', () => {
  let stack: Stack;
  const fakes: FakeHost[] = [];
  const streams: SseStream[] = [];
  let globalKey: string;
  let southKey: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await buildUi();
    stack = await startStack({ webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const key = async (args: string[]): Promise<string> => (JSON.parse((await stack.cli(['apikey', 'create', ...args, '--json'])).stdout) as { key: string }).key;
    globalKey = await key(['--role', 'viewer']);
    southKey = await key(['--role', 'viewer', '--sites', 'south-middle']);
    const [north, south] = await Promise.all([stack.enroll('north-pc', 'north-elementary', {}), stack.enroll('south-pc', 'south-middle', {})]);
    const facts = { hostname: 'x', os: 'Debian GNU/Linux', kernel: '6.1', arch: 'x64' };
    const heartbeat = [{ name: 'uptime_seconds', labels: {}, value: 100 }];
    fakes.push(await startFakeHost({ agentConfig: north, facts, backfill: [], heartbeat }), await startFakeHost({ agentConfig: south, facts, backfill: [], heartbeat }));
    const hosts = await waitFor(async () => {
      const r = (await apiRequest(`${stack.url}/api/v1/hosts`, { key: globalKey, ca: stack.ca })).json as { hosts: Array<{ id: string; name: string; status: string }> };
      return r.hosts.length === 2 && r.hosts.every((h) => h.status === 'up') ? r.hosts : undefined;
    }, 20_000, 'both hosts up');
    for (const h of hosts) ids[h.name] = h.id;
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.all(fakes.map((f) => f.stop()));
    await stack?.stop();
  });

  it('streams status changes, each caller only its own sites', async () => {
    const all = await openEvents(stack.url, globalKey, stack.ca);
    const south = await openEvents(stack.url, southKey, stack.ca);
    streams.push(all, south);
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(all.headers['cache-control']).toBe('no-store');
    await all.waitFor(() => all.text().includes(': connected'), 5000, 'the opening comment');

    await fakes[0]!.stop();
    await all.waitFor((es) => es.some((e) => (e as StatusEvent).type === 'target-status' && (e as StatusEvent).targetId === ids['north-pc'] && (e as StatusEvent).status === 'down'), 15_000, 'north-pc down (global key)');
    // The north host's alert fires too (the built-in agent-offline rule): also invisible to the south key.
    await all.waitFor((es) => es.some((e) => (e as StatusEvent).type === 'alert' && (e as StatusEvent).targetId === ids['north-pc']), 10_000, 'north-pc alert (global key)');

    await fakes[1]!.stop();
    await south.waitFor((es) => es.some((e) => (e as StatusEvent).targetId === ids['south-pc'] && (e as StatusEvent).status === 'down'), 15_000, 'south-pc down (south key)');
    expect(south.events.some((e) => (e as StatusEvent).targetId === ids['north-pc'])).toBe(false);
    expect(south.events.every((e) => (e as StatusEvent).targetId === ids['south-pc'])).toBe(true);
    // Ids and states only: no values, labels or secrets travel on the stream.
    expect(all.text()).not.toMatch(/hmk_|whsec_|credential/);
  });

  it('caps open streams per caller and refuses callers without credentials', async () => {
    const mine: SseStream[] = [];
    // One is already open for the south key from the test above.
    for (let i = 0; i < 7; i++) mine.push(await openEvents(stack.url, southKey, stack.ca));
    streams.push(...mine);
    expect(mine.map((s) => s.status)).toEqual(Array(7).fill(200));
    const over = await openEvents(stack.url, southKey, stack.ca);
    expect(over.status).toBe(429);
    over.close();
    // Another caller is not affected.
    const other = await openEvents(stack.url, globalKey, stack.ca);
    streams.push(other);
    expect(other.status).toBe(200);
    // Closing one frees a slot.
    mine[0]!.close();
    await waitFor(async () => {
      const s = await openEvents(stack.url, southKey, stack.ca);
      streams.push(s);
      return s.status === 200 ? true : undefined;
    }, 5000, 'a slot after closing a stream');
    const anon = await rawGet(`${stack.url}/api/v1/events`, stack.ca);
    expect(anon.status).toBe(401);
  });

  it('reads latest values per target and across the fleet, site-checked', async () => {
    const fleet = (await apiRequest(`${stack.url}/api/v1/latest?metric=uptime_seconds&metric=hallmonitor_target_up`, { key: globalKey, ca: stack.ca })).json as { latest: Array<{ targetId: string; metric: string; value: number }> };
    expect(new Set(fleet.latest.filter((l) => l.metric === 'uptime_seconds').map((l) => l.targetId))).toEqual(new Set([ids['north-pc'], ids['south-pc']]));
    const south = (await apiRequest(`${stack.url}/api/v1/latest?metric=uptime_seconds`, { key: southKey, ca: stack.ca })).json as { latest: Array<{ targetId: string }> };
    expect(south.latest.map((l) => l.targetId)).toEqual([ids['south-pc']]);
    const one = await apiRequest(`${stack.url}/api/v1/hosts/${ids['south-pc']}/latest`, { key: southKey, ca: stack.ca });
    expect(one.status).toBe(200);
    expect((one.json as { latest: Array<{ metric: string; value: number }> }).latest).toContainEqual(expect.objectContaining({ metric: 'uptime_seconds', value: 100 }));
    expect((await apiRequest(`${stack.url}/api/v1/hosts/${ids['north-pc']}/latest`, { key: southKey, ca: stack.ca })).status).toBe(404);
    expect((await apiRequest(`${stack.url}/api/v1/latest?metric=bad%20name`, { key: globalKey, ca: stack.ca })).status).toBe(400);
    expect((await apiRequest(`${stack.url}/api/v1/latest?metric=uptime_seconds`, { ca: stack.ca })).status).toBe(401);
  });

  it('serves the dashboard files with a strict CSP, long caching for hashed names and gzip', async () => {
    const index = await rawGet(`${stack.url}/`, stack.ca);
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['cache-control']).toBe('no-cache');
    const html = index.body.toString();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style=/);
    const js = /src="\/ui\/(main-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await rawGet(`${stack.url}/ui/${js}`, stack.ca, { 'accept-encoding': 'gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['cache-control']).toContain('immutable');
    const again = await rawGet(`${stack.url}/ui/${js}`, stack.ca, { 'if-none-match': String(asset.headers.etag) });
    expect(again.status).toBe(304);
    const report = JSON.parse(readFileSync(join(REPO_ROOT, 'collector', 'ui-dist', 'build-report.json'), 'utf8')) as { firstPageJs: { raw: number; gzip: number } };
    console.log(`dashboard first-page JS: ${report.firstPageJs.raw} B raw, ${report.firstPageJs.gzip} B gzip`);
    // A budget, so the first page stays small on a school's slow Wi-Fi.
    expect(report.firstPageJs.gzip).toBeLessThan(30_000);
    for (const bad of ['/ui/..%2Fpackage.json', '/ui/%2e%2e%2findex.html', '/ui/nope-AAAAAAAA.js', '/ui/build-report.json']) {
      expect((await rawGet(`${stack.url}${bad}`, stack.ca)).status, bad).toBe(404);
    }
    const link = await rawGet(`${stack.url}/hosts/${ids['south-pc']}`, stack.ca);
    expect(link.status).toBe(302);
    expect(link.headers.location).toBe(`/#/host/${ids['south-pc']}`);
  });
}, 120_000);
