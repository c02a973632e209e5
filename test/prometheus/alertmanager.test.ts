import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProcess, waitFor } from '../support/processes.js';
import { ALERTMANAGER_BIN, scratch, ALERTMANAGER_MISSING, connectAgent, freePort, startCollector } from './support.js';

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

/*
 * The alertmanager notifier against Debian's Alertmanager on 127.0.0.1: a
 * firing alert appears in its GET /api/v2/alerts with our labels and
 * annotations; the resolved notification sets endsAt, after which Alertmanager
 * no longer lists it as active.
 */
describe.skipIf(!ALERTMANAGER_BIN)('alertmanager notifier', () => {
  const { dir, procs, agents } = scratch('alertmanager');

  it('posts firing and resolved alerts that Alertmanager accepts', async () => {
    const port = await freePort();
    const amDir = join(dir, 'am');
    mkdirSync(amDir);
    writeFileSync(join(amDir, 'alertmanager.yml'), 'route: { receiver: district, group_wait: 0s }\nreceivers: [{ name: district }]\n');
    const am = startProcess(ALERTMANAGER_BIN as string, [
      `--config.file=${join(amDir, 'alertmanager.yml')}`,
      `--storage.path=${join(amDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip cluster: a single instance, nothing listening beyond 127.0.0.1.
      '--cluster.listen-address=',
    ]);
    procs.push(am);
    const amUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await globalThis.fetch(`${amUrl}/-/ready`)).ok ? true : undefined), 30_000, 'alertmanager ready');
    const alerts = async (): Promise<AmAlert[]> => (await (await globalThis.fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];

    const c = await startCollector(
      dir,
      [
        'publicUrl: https://collector.north.example',
        'notifiers:',
        '  - name: district',
        '    type: alertmanager',
        `    url: ${amUrl}/api/v2/alerts`,
        '    allowPrivateNetwork: true',
        'rules:',
        '  - { name: disk-almost-full, metric: disk_used_percent, op: ">", threshold: 90, for: 0s, severity: critical, notify: [district], summary: "Disk {{labels.mount}} on {{target.name}} is {{value}}% full" }',
        '',
      ].join('\n'),
    );
    procs.push(c.proc);
    const { token } = await c.cli(['token', 'create']);
    const pc = await connectAgent(c, token as string, { name: 'lab-pc-07', site: 'north-elementary' });
    agents.push(pc);

    const before = Date.now();
    await pc.send([{ name: 'disk_used_percent', labels: { mount: '/' }, value: 93.1 }]);
    const firing = await waitFor(async () => (await alerts()).find((a) => a.labels.alertname === 'disk-almost-full'), 15_000, 'the alert in Alertmanager');
    expect(firing.labels).toEqual({ alertname: 'disk-almost-full', severity: 'critical', instance: 'lab-pc-07', target_id: pc.targetId, site: 'north-elementary', kind: 'host', metric: 'disk_used_percent', mount: '/' });
    expect(firing.annotations).toMatchObject({ summary: 'Disk / on lab-pc-07 is 93.1% full', value: '93.1', threshold: '90' });
    expect(firing.status.state).toBe('active');
    expect(firing.generatorURL).toMatch(/^https:\/\/collector\.north\.example\//);
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual(before - 1000);
    // Firing alerts are sent with an end a day out, so Alertmanager keeps them between repeats.
    expect(Date.parse(firing.endsAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    await pc.send([{ name: 'disk_used_percent', labels: { mount: '/' }, value: 40 }]);
    // Resolved: endsAt is the real end, so Alertmanager stops listing it as active.
    await waitFor(async () => ((await alerts()).some((a) => a.labels.alertname === 'disk-almost-full') ? undefined : true), 15_000, 'the alert resolved in Alertmanager');
    const groups = (await (await globalThis.fetch(`${amUrl}/api/v2/alerts?active=true&unprocessed=true`)).json()) as AmAlert[];
    expect(groups.filter((a) => a.labels.alertname === 'disk-almost-full')).toEqual([]);
  }, 90_000);
});

if (!ALERTMANAGER_BIN) describe('alertmanager notifier', () => it.skip(ALERTMANAGER_MISSING, () => {}));
