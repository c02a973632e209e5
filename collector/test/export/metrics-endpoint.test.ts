import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { escapeLabelValue, formatValue, renderExposition } from '../../src/export/exposition.js';
import type { Target } from '../../src/targets/targets.js';
import { enrollAgent, startTestCollector, type TestCollector } from '../helpers.js';
import { hello, metrics, openProbe } from '../ws-client.js';

function target(over: Partial<Target> = {}): Target {
  return { id: 'h_1', name: 'lab-pc-07', kind: 'host', site: 'north', building: 'main', room: 'library', labels: {}, facts: {}, agentId: 'a', createdAt: 0, parentId: null, lastSeen: 0, ...over };
}

describe('exposition text', () => {
  it('escapes label values and HELP text; formats special values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect([NaN, Infinity, -Infinity, 0.1, 1e21].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.1', '1e+21']);
  });

  it('groups each family under one HELP/TYPE, adds target labels, renames clashing sample labels, leaves out stale series', () => {
    const now = 1_800_000_000_000;
    const t = target({ name: 'pc "7"', labels: { role: 'lab', building: 'ignored' } });
    const text = [
      ...renderExposition({
        targets: [t],
        latest: [
          { targetId: 'h_1', metric: 'disk_used_percent', labels: { mount: 'C:\\' }, value: 93.1, ts: now - 1000 },
          { targetId: 'h_1', metric: 'load1', labels: { instance: 'x' }, value: 0.5, ts: now - 2000 },
          { targetId: 'h_1', metric: 'disk_used_percent', labels: { mount: '/' }, value: NaN, ts: now - 1000 },
          { targetId: 'h_1', metric: 'uptime_seconds', labels: {}, value: 5, ts: now - 3_600_000 },
          { targetId: 'other', metric: 'load1', labels: {}, value: 1, ts: now },
        ],
        now,
        maxAgeMs: 600_000,
        self: [{ name: 'hallmonitor_agents_connected', help: 'Agents\nnow', type: 'gauge', samples: [{ value: 3 }] }],
      }),
    ].join('');
    const lines = text.split('\n');
    expect(lines.filter((l) => l === '# TYPE disk_used_percent gauge')).toHaveLength(1);
    expect(text).toContain(`disk_used_percent{building="main",instance="pc \\"7\\"",kind="host",role="lab",room="library",site="north",target_id="h_1",mount="C:\\\\"} 93.1 ${now - 1000}`);
    expect(text).toContain('mount="/"} NaN');
    expect(text).toContain('exported_instance="x"} 0.5');
    expect(text).not.toContain('uptime_seconds');
    expect(text).not.toContain('target_id="other"');
    expect(text).toContain('# HELP hallmonitor_agents_connected Agents\\nnow\n# TYPE hallmonitor_agents_connected gauge\nhallmonitor_agents_connected 3\n');
    // The families of one name are contiguous: every sample line follows its TYPE line.
    const order = lines.filter((l) => l && !l.startsWith('#')).map((l) => l.split('{')[0]?.split(' ')[0]);
    expect(order).toEqual(['disk_used_percent', 'disk_used_percent', 'load1', 'hallmonitor_agents_connected']);
  });
});

describe('GET /metrics on a collector', () => {
  let c: TestCollector;
  let north: { targetId: string };
  beforeAll(async () => {
    c = await startTestCollector();
    const a = await enrollAgent(c, 'north-pc', 'north');
    const b = await enrollAgent(c, 'south-pc', 'south');
    north = a;
    for (const [agent, value] of [[a, 1.5], [b, 2.5]] as const) {
      const p = await openProbe(c.url, agent.bearer);
      p.ws.send(hello(agent.agentId));
      await p.next('welcome');
      p.ws.send(metrics(1, [{ name: 'load1', value }, { name: 'disk_used_percent', labels: { mount: '/' }, value: 40 }]));
      await p.next('ack');
      p.ws.close();
    }
  });
  afterAll(async () => {
    await c.stop();
  });

  it('needs a viewer key; shows a site-limited key only its sites; includes self-metrics', async () => {
    expect((await c.app.http.inject({ url: '/metrics' })).statusCode).toBe(401);
    const all = await c.app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${new ApiKeys(c.app.db).create({ role: 'viewer' }).key}` } });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(all.body).toMatch(/^load1\{.*instance="north-pc".*site="north".*\} 1\.5 \d+$/m);
    expect(all.body).toMatch(/^load1\{.*instance="south-pc".*\} 2\.5 \d+$/m);
    expect(all.body).toMatch(new RegExp(`^hallmonitor_target_up\\{.*target_id="${north.targetId}".*\\} [01]$`, 'm'));
    expect(all.body).toMatch(/^hallmonitor_ingest_samples_total 4$/m);
    expect(all.body).toMatch(/^hallmonitor_ingest_acks_total 2$/m);
    expect(all.body).toMatch(/^hallmonitor_notify_outbox_pending 0$/m);
    expect(all.body).toMatch(/^hallmonitor_storage_file_bytes \d+$/m);
    expect(all.body).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(all.body).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
    const south = await c.app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${new ApiKeys(c.app.db).create({ role: 'viewer', sites: ['south'] }).key}` } });
    expect(south.body).toContain('instance="south-pc"');
    expect(south.body).not.toContain('"north"');
    expect(south.body).not.toContain(north.targetId);
  });

  it('gzips when asked', async () => {
    const res = await c.app.http.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip', authorization: `Bearer ${new ApiKeys(c.app.db).create({ role: 'viewer' }).key}` } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toContain('instance="north-pc"');
  });
});

describe('metrics: { public: true }', () => {
  it('serves /metrics without auth', async () => {
    const c = await startTestCollector({ metrics: { public: true } });
    try {
      const res = await c.app.http.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('# TYPE hallmonitor_agents_connected gauge');
    } finally {
      await c.stop();
    }
  });
});
