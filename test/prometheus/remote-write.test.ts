import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRequest, waitFor } from '../support/processes.js';
import { connectAgent, freePort, PROMETHEUS_AVAILABLE, scratch, PROMETHEUS_MISSING, startCollector, startPrometheus, type Prometheus } from './support.js';

interface EndpointStatus {
  name: string;
  counters: { sentSamples: number; backlogSamples: number; failedRequests: number; dropped: Record<string, number> };
}

/*
 * Remote write into Debian's prometheus (--web.enable-remote-write-receiver):
 * samples and labels arrive intact, and what was stored while the receiver was
 * down is queued durably and delivered, in order, once it is back.
 */
describe.skipIf(!PROMETHEUS_AVAILABLE)('remote write to Prometheus', () => {
  const { dir, procs, agents } = scratch('prom rw');

  it('delivers every stored sample with its labels, including across a receiver outage', async () => {
    const port = await freePort();
    const promDir = join(dir, 'prom');
    const promConfig = 'global: { scrape_interval: 1h }\n';
    let prom: Prometheus = await startPrometheus(promDir, { port, config: promConfig, remoteWriteReceiver: true });
    const c = await startCollector(
      dir,
      [
        'remoteWrite:',
        '  - name: district',
        `    url: http://127.0.0.1:${port}/api/v1/write`,
        '    allowPrivateNetwork: true',
        '    externalLabels: { school: north-elementary }',
        '    minBackoff: 200ms',
        '    maxBackoff: 1s',
        '',
      ].join('\n'),
    );
    procs.push(c.proc);
    const { token } = await c.cli(['token', 'create', '--uses', '2']);
    const { key } = await c.cli(['apikey', 'create', '--role', 'viewer']);
    const pc = await connectAgent(c, token as string, { name: 'lab-pc-07', site: 'north', labels: { building: 'main', room: 'library' } });
    agents.push(pc);
    const status = async (): Promise<EndpointStatus['counters']> => (((await apiRequest(`${c.url}/api/v1/export`, { key })).json as { remoteWrite: EndpointStatus[] }).remoteWrite[0] as EndpointStatus).counters;

    // Two minutes of data at 5 s, all in the past (a query at "now" does not see later samples).
    const t0 = Date.now() - 180_000;
    for (let i = 0; i < 12; i++) await pc.send([{ name: 'disk_used_percent', labels: { mount: '/', note: 'quote " and \\ ok' }, value: 50 + i / 10, timestamp: t0 + i * 5000 }]);
    const first = await waitFor(async () => {
      const r = await prom.query('count_over_time(disk_used_percent[5m])');
      return r[0] && Number(r[0].value[1]) === 12 ? r[0] : undefined;
    }, 20_000, 'the first 12 samples in Prometheus');
    expect(first.metric).toEqual({ instance: 'lab-pc-07', target_id: pc.targetId, site: 'north', building: 'main', room: 'library', kind: 'host', mount: '/', note: 'quote " and \\ ok', school: 'north-elementary' });
    expect(Number((await prom.query('disk_used_percent'))[0]?.value[1])).toBe(51.1);

    // The receiver goes away; ingest goes on and the queue holds what it cannot send.
    await prom.proc.stop();
    for (let i = 12; i < 24; i++) await pc.send([{ name: 'disk_used_percent', labels: { mount: '/', note: 'quote " and \\ ok' }, value: 50 + i / 10, timestamp: t0 + i * 5000 }]);
    const down = await waitFor(async () => {
      const s = await status();
      return s.backlogSamples >= 12 && s.failedRequests >= 2 ? s : undefined;
    }, 20_000, 'a backlog while Prometheus is down');
    expect(down.dropped).toEqual({ backlog_full: 0, rejected: 0, overflow: 0, queue_error: 0 });

    // Back on the same port and storage: the backlog drains, in order, nothing lost.
    prom = await startPrometheus(promDir, { port, config: promConfig, remoteWriteReceiver: true });
    procs.push(prom.proc);
    await waitFor(async () => ((await status()).backlogSamples === 0 ? true : undefined), 30_000, 'backlog drained');
    const all = await waitFor(async () => {
      const r = await prom.query('count_over_time(disk_used_percent[5m])');
      return r[0] && Number(r[0].value[1]) === 24 ? r[0] : undefined;
    }, 20_000, 'all 24 samples in Prometheus');
    expect(all.metric.instance).toBe('lab-pc-07');
    expect(Number((await prom.query('disk_used_percent'))[0]?.value[1])).toBe(52.3);
    const final = await status();
    expect(final.sentSamples).toBe(24);
    expect(final.dropped).toEqual({ backlog_full: 0, rejected: 0, overflow: 0, queue_error: 0 });

    // The same counters are in /metrics.
    const metrics = await globalThis.fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.text());
    expect(metrics).toMatch(/^hallmonitor_remote_write_samples_sent_total\{endpoint="district"\} 24$/m);
    expect(metrics).toMatch(/^hallmonitor_remote_write_samples_dropped_total\{endpoint="district",reason="backlog_full"\} 0$/m);
    expect(metrics).toMatch(/^hallmonitor_remote_write_backlog_samples\{endpoint="district"\} 0$/m);
  }, 110_000);
});

if (!PROMETHEUS_AVAILABLE) describe('remote write to Prometheus', () => it.skip(PROMETHEUS_MISSING, () => {}));
