import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { connectAgent, freePort, PROMETHEUS_AVAILABLE, scratch, PROMETHEUS_MISSING, startCollector, startPrometheus } from './support.js';

/*
 * GET /metrics as a district Prometheus sees it: Debian's prometheus scrapes a
 * real collector every second with a viewer API key (its `authorization`
 * scrape config) and `honor_labels: true`, and the test reads the result back
 * through Prometheus's query API — labels, escaping, values, self-metrics,
 * and a job without the key failing.
 */
describe.skipIf(!PROMETHEUS_AVAILABLE)('Prometheus scrapes GET /metrics', () => {
  const { dir, procs, agents } = scratch('prom scrape');

  it('stores the fleet with target labels, escaped values and the collector self-metrics', async () => {
    const c = await startCollector(dir, '');
    procs.push(c.proc);
    const { token } = await c.cli(['token', 'create', '--uses', '5']);
    const { key } = await c.cli(['apikey', 'create', '--role', 'viewer']);
    const pc = await connectAgent(c, token as string, { name: 'lab-pc-07', site: 'north-elementary', labels: { building: 'main', room: 'library', role: 'lab' } });
    const srv = await connectAgent(c, token as string, { name: 'closet "srv" \\ 1', site: 'north-elementary' });
    agents.push(pc, srv);
    await pc.send([
      { name: 'disk_used_percent', labels: { mount: 'C:\\' }, value: 93.1 },
      { name: 'load1', value: 0.25 },
    ]);
    await srv.send([{ name: 'load1', value: 1.75 }, { name: 'cpu_temperature_celsius', labels: { sensor: 'line1\nline2 "q"' }, value: 51 }]);

    const port = await freePort();
    const u = new URL(c.url);
    const prom = await startPrometheus(join(dir, 'prom'), {
      port,
      config: [
        'global: { scrape_interval: 1s, scrape_timeout: 900ms }',
        'scrape_configs:',
        '  - job_name: hallmonitor',
        '    honor_labels: true',
        `    authorization: { credentials: "${key}" }`,
        `    static_configs: [{ targets: ["${u.host}"] }]`,
        '  - job_name: hallmonitor-noauth',
        `    static_configs: [{ targets: ["${u.host}"] }]`,
        '',
      ].join('\n'),
    });
    procs.push(prom.proc);

    const disk = await waitFor(async () => (await prom.query('disk_used_percent'))[0], 30_000, 'disk_used_percent scraped');
    expect(disk.metric).toEqual({
      __name__: 'disk_used_percent',
      job: 'hallmonitor',
      instance: 'lab-pc-07',
      target_id: pc.targetId,
      site: 'north-elementary',
      building: 'main',
      room: 'library',
      kind: 'host',
      role: 'lab',
      mount: 'C:\\',
    });
    expect(Number(disk.value[1])).toBe(93.1);

    const temp = await waitFor(async () => (await prom.query('cpu_temperature_celsius'))[0], 10_000, 'temperature scraped');
    expect(temp.metric.instance).toBe('closet "srv" \\ 1');
    expect(temp.metric.sensor).toBe('line1\nline2 "q"');

    const loads = await prom.query('load1');
    expect(Object.fromEntries(loads.map((r) => [r.metric.instance, Number(r.value[1])]))).toEqual({ 'lab-pc-07': 0.25, 'closet "srv" \\ 1': 1.75 });

    const self = await waitFor(async () => {
      const r = await prom.query('hallmonitor_ingest_samples_total');
      return r.length > 0 && Number(r[0]?.value[1]) >= 4 ? r : undefined;
    }, 10_000, 'self-metrics');
    expect(self[0]?.metric.instance).toBe(u.host);
    expect(Number((await prom.query('hallmonitor_agents_connected'))[0]?.value[1])).toBe(2);
    expect(Number((await prom.query('hallmonitor_ingest_acks_total'))[0]?.value[1])).toBe(2);
    expect(await prom.query('hallmonitor_notify_outbox_pending')).toHaveLength(1);
    expect(Number((await prom.query('hallmonitor_storage_file_bytes'))[0]?.value[1])).toBeGreaterThan(0);
    expect((await prom.query(`hallmonitor_target_up{target_id="${pc.targetId}"}`))[0]?.metric.instance).toBe('lab-pc-07');

    // Prometheus's own verdicts: the keyed job scrapes cleanly, the other is refused (401).
    const up = await waitFor(async () => {
      const r = await prom.query('up');
      return r.length === 2 ? r : undefined;
    }, 10_000, 'up for both jobs');
    expect(Object.fromEntries(up.map((r) => [r.metric.job, r.value[1]]))).toEqual({ hallmonitor: '1', 'hallmonitor-noauth': '0' });
    const targets = (await (await globalThis.fetch(`${prom.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; lastError: string }> } };
    expect(targets.data.activeTargets.find((t) => t.labels.job === 'hallmonitor')?.lastError).toBe('');
    expect(targets.data.activeTargets.find((t) => t.labels.job === 'hallmonitor-noauth')?.lastError).toMatch(/401/);
  }, 90_000);
});

if (!PROMETHEUS_AVAILABLE) describe('Prometheus scrapes GET /metrics', () => it.skip(PROMETHEUS_MISSING, () => {}));
