import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SNMPSIM_AVAILABLE, SNMPSIM_MISSING_MESSAGE, Snmpsim } from '../../agent/test/snmp/snmpsim.js';
import { readFixture } from '../../agent/test/snmp/snmprec.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { AGENT_BIN, COLLECTOR_BIN, apiRequest, runCommand, startProcess, waitFor, type RunningProcess } from '../support/processes.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
type Host = { id: string; name: string; kind: string; status: string; parentId: string | null; building: string | null; room: string | null; site: string | null; facts: Record<string, unknown> };

/*
 * Wi-Fi end to end: access points defined once in the collector config, polled
 * by a real agent process (assigned by name) against real SNMP peers (snmpsim),
 * each AP a target of its own; a controller that stops answering makes its APs
 * unknown (one alert for the cause); a device added to the config reaches the
 * poller without restarting it.
 */
describe.skipIf(!SNMPSIM_AVAILABLE)('Wi-Fi access points through a poller agent', () => {
  if (!SNMPSIM_AVAILABLE) console.warn(SNMPSIM_MISSING_MESSAGE);
  const dir = mkdtempSync(join(os.tmpdir(), 'hm wifi '));
  const procs: RunningProcess[] = [];
  const sims: Snmpsim[] = [];
  const rx = new WebhookReceiver(SECRET);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(sims.map((s) => s.cleanup()));
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every AP as its own target, controller outages as one cause, and config changes live', async () => {
    const hook = await rx.start();
    const wlc = await Snmpsim.start({ files: { 'wlc-public': readFixture('cisco-wlc') } });
    const unifi = await Snmpsim.start({ files: { 'unifi-lib': readFixture('unifi') } });
    sims.push(wlc, unifi);
    const dataDir = join(dir, 'data');
    const config = join(dir, 'collector.yaml');
    const writeConfig = (withUnifi: boolean): void =>
      writeFileSync(
        config,
        [
          'listen: 127.0.0.1:0',
          'ruleFiles: []',
          'agents: { interval: 2s, devicePoll: 10s }',
          'notifiers:',
          `  - { name: oncall, type: webhook, url: "${hook}", secret: ${SECRET}, allowPrivateNetwork: true }`,
          'rules:',
          '  - { name: controller-down, metric: snmp_device_up, op: "==", threshold: 0, for: 0s, severity: critical, notify: [oncall] }',
          '  - { name: ap-down, metric: wifi_ap_up, op: "==", threshold: 0, for: 0s, severity: critical, notify: [oncall] }',
          'devices:',
          `  - { name: wlc-main, address: "${wlc.address}", profile: cisco-wlc, snmp: { version: 2c, community: wlc-public }, site: north, building: main, poller: closet-pc }`,
          ...(withUnifi ? [`  - { name: ap-library, address: "${unifi.address}", profile: unifi, snmp: { version: 2c, community: unifi-lib }, site: north, building: library, room: reading-room, poller: closet-pc }`] : []),
          '',
        ].join('\n'),
      );
    writeConfig(false);
    const collector = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', config, '--data-dir', dataDir]);
    procs.push(collector);
    const url = (JSON.parse(await collector.waitForLine(/"msg":"collector listening"/)) as { url: string }).url;
    const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8');
    const { token } = JSON.parse((await runCommand(process.execPath, [COLLECTOR_BIN, 'token', 'create', '--config', config, '--data-dir', dataDir, '--json'])).stdout) as { token: string };
    const key = (JSON.parse((await runCommand(process.execPath, [COLLECTOR_BIN, 'apikey', 'create', '--role', 'viewer', '--config', config, '--data-dir', dataDir, '--json'])).stdout) as { key: string }).key;
    const agentConfig = join(dir, 'agent.yaml');
    expect((await runCommand(process.execPath, [AGENT_BIN, 'enroll', '--collector', url, '--token', token, '--config', agentConfig, '--name', 'closet-pc'])).code).toBe(0);
    const agent = startProcess(process.execPath, [AGENT_BIN, 'run', '--config', agentConfig]);
    procs.push(agent);

    const hosts = async (): Promise<Host[]> => ((await apiRequest(`${url}/api/v1/hosts`, { key, ca })).json as { hosts: Host[] }).hosts;
    // The controller is up once its own samples are stored (they may come a poll after the APs').
    const [aps, controller] = await waitFor(async () => {
      const all = await hosts();
      const list = all.filter((h) => h.kind === 'ap');
      const wlc = all.find((h) => h.kind === 'controller');
      return list.length >= 3 && list.every((h) => h.status !== 'unknown') && wlc?.status === 'up' ? ([list, wlc] as const) : undefined;
    }, 40_000, 'APs of the controller');
    expect(controller).toMatchObject({ name: 'wlc-main', site: 'north', building: 'main', status: 'up' });
    expect(aps.every((a) => a.site === 'north' && a.parentId === controller?.id)).toBe(true);
    expect(new Set(aps.map((a) => a.name)).size).toBe(aps.length);
    expect(aps.some((a) => a.status === 'down')).toBe(true); // the fixture has one AP not associated
    const upAp = aps.find((a) => a.status === 'up')!;
    const clients = await waitFor(async () => {
      const res = await apiRequest(`${url}/api/v1/hosts/${upAp.id}/series?metric=wifi_ap_clients&from=${new Date(Date.now() - 3_600_000).toISOString()}`, { key, ca });
      const s = (res.json as { series: Array<{ points: Array<[number, number]> }> }).series;
      return s[0]?.points.length ? s[0].points : undefined;
    }, 20_000, 'client counts of an AP');
    expect(clients[0]![1]).toBeGreaterThanOrEqual(0);
    // No credential in anything the API shows.
    expect(JSON.stringify(await hosts())).not.toContain('wlc-public');

    // A device added to the config reaches the running poller without a restart.
    writeConfig(true);
    const library = await waitFor(async () => (await hosts()).find((h) => h.kind === 'ap' && h.building === 'library' && h.status === 'up'), 40_000, 'new AP from a config change');
    expect(library).toMatchObject({ room: 'reading-room' });

    // The controller stops answering: it is down (one alert), its APs are unknown, not down.
    const firingApDown = (): number => rx.received.filter((w) => w.json.status === 'firing' && (w.json.alerts as Array<{ rule: string }>).some((a) => a.rule === 'ap-down')).length;
    const apDownBefore = firingApDown();
    await wlc.stop();
    await rx.waitFor((r) => r.some((w) => w.json.status === 'firing' && (w.json.alerts as Array<{ rule: string }>)[0]?.rule === 'controller-down'), 40_000);
    const during = await waitFor(async () => {
      const list = await hosts();
      const ctl = list.find((h) => h.kind === 'controller');
      const managed = list.filter((h) => h.kind === 'ap' && h.parentId === ctl?.id);
      return managed.length > 0 && managed.every((h) => h.status === 'unknown') ? list : undefined;
    }, 20_000, 'APs behind the dead controller unknown').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify((await hosts()).map((h) => [h.name, h.kind, h.status, h.building, h.facts.up]))}`);
    });
    expect(during.find((h) => h.kind === 'controller')?.status).toBe('down');
    await new Promise((r) => setTimeout(r, 2000));
    // The APs' own down alerts are inhibited by the controller's: no new ap-down webhook.
    expect(firingApDown()).toBe(apDownBefore);

    await wlc.restart();
    await rx.waitFor((r) => r.some((w) => w.json.status === 'resolved' && (w.json.alerts as Array<{ rule: string }>)[0]?.rule === 'controller-down'), 40_000);
  }, 180_000);
});
