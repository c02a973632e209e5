import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SNMPSIM_AVAILABLE, SNMPSIM_MISSING_MESSAGE } from '../../agent/test/snmp/snmpsim.js';
import { COLLECTOR_BIN, REPO_ROOT, apiRequest, runCommand, startProcess, waitFor, type RunningProcess } from '../support/processes.js';

const FLEET_SIM = join(REPO_ROOT, 'scripts', 'fleet-sim', 'index.mjs');
const PING_AVAILABLE = spawnSync('sh', ['-c', 'command -v ping'], { stdio: 'ignore' }).status === 0;
type Host = { id: string; name: string; kind: string; status: string; site: string | null; building: string | null; room: string | null };
type Series = { labels: Record<string, string>; points: Array<[number, number]> };

/*
 * The fleet simulator's access points, the documented way: the CLI starts
 * snmpsimd with 5 simulated UniFi APs, enrolls and runs the real poller agent,
 * and writes the devices section; added to the running collector's config it
 * reaches the poller live, and every AP arrives through the real collector as
 * an AP target whose values move from poll to poll.
 */
describe.skipIf(!SNMPSIM_AVAILABLE)('fleet-sim: simulated APs through a real poller agent', () => {
  if (!SNMPSIM_AVAILABLE) console.warn(SNMPSIM_MISSING_MESSAGE);
  const dir = mkdtempSync(join(os.tmpdir(), 'hm fleet-sim aps '));
  const procs: RunningProcess[] = [];
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every simulated AP as an AP target with moving values, next to the virtual agents', async () => {
    const dataDir = join(dir, 'data');
    const config = join(dir, 'collector.yaml');
    writeFileSync(config, 'listen: 127.0.0.1:0\nruleFiles: []\nagents: { interval: 5s, devicePoll: 10s }\n');
    const collector = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', config, '--data-dir', dataDir]);
    procs.push(collector);
    const url = (JSON.parse(await collector.waitForLine(/"msg":"collector listening"/)) as { url: string }).url;
    const caFile = join(dataDir, 'tls', 'ca.pem');
    const ca = readFileSync(caFile, 'utf8');
    const cli = async (...args: string[]): Promise<Record<string, string>> => JSON.parse((await runCommand(process.execPath, [COLLECTOR_BIN, ...args, '--config', config, '--data-dir', dataDir, '--json'])).stdout) as Record<string, string>;
    const { token } = await cli('token', 'create', '--uses', '4');
    const { key } = await cli('apikey', 'create', '--role', 'viewer');

    const devicesFile = join(dir, 'devices.yaml');
    const sim = startProcess(process.execPath, [FLEET_SIM, '--collector', url!, '--ca', caFile, '--token', token!, '--agents', '3', '--procs', '1', '--interval', '5s', '--sites', '2', '--aps', '5', '--aps-yaml', devicesFile, '--api-key', key!, '--ap-dir', join(dir, 'poller')]);
    procs.push(sim);
    const apPort = /on udp 127\.0\.0\.1:(\d+)/.exec(await sim.waitForLine(/devices section written to/, 60_000))![1]!;
    const pollerPid = Number(/\(pid (\d+),/.exec(await sim.waitForLine(/AP poller: real agent "closet-server"/, 60_000))![1]);
    await sim.waitForLine(/3 agents in 1 processes/, 60_000);
    const devices = readFileSync(devicesFile, 'utf8');
    expect(devices.split('\n').filter((l) => l.includes('poller: closet-server'))).toHaveLength(5);
    // The documented flow: the section goes into the running collector's config, which reloads it live.
    appendFileSync(config, devices);

    const hosts = async (): Promise<Host[]> => ((await apiRequest(`${url}/api/v1/hosts`, { key, ca })).json as { hosts: Host[] }).hosts;
    const aps = await waitFor(async () => {
      const list = (await hosts()).filter((h) => h.kind === 'ap');
      return list.length === 5 && list.every((h) => h.status === 'up') ? list : undefined;
    }, 60_000, 'five simulated APs up as AP targets');
    expect(aps.map((h) => h.name).sort()).toEqual(['school-01-ap-0000', 'school-01-ap-0002', 'school-01-ap-0004', 'school-02-ap-0001', 'school-02-ap-0003']);
    expect(aps.find((h) => h.name === 'school-02-ap-0003')).toMatchObject({ site: 'school-02', building: 'b2', room: 'hall-1' });
    const all = await hosts();
    expect(all.filter((h) => h.kind === 'host' && /^school-0[12]-/.test(h.name))).toHaveLength(3);
    expect(all.find((h) => h.name === 'closet-server')).toMatchObject({ kind: 'host', status: 'up' });

    // Values move between polls: sysUpTime grows with the clock, so two polls 10 s apart differ by about that.
    const ap = aps[0]!;
    const series = async (metric: string): Promise<Series[]> =>
      ((await apiRequest(`${url}/api/v1/hosts/${ap.id}/series?metric=${metric}&from=${new Date(Date.now() - 600_000).toISOString()}`, { key, ca })).json as { series: Series[] }).series;
    const uptime = await waitFor(async () => {
      const points = (await series('wifi_ap_uptime_seconds'))[0]?.points ?? [];
      return points.length >= 2 ? points : undefined;
    }, 60_000, 'two polls of one AP');
    const [[t0, v0], [t1, v1]] = uptime.slice(-2) as [[number, number], [number, number]];
    expect(t1 - t0).toBeGreaterThanOrEqual(9_000);
    expect(v1 - v0).toBeGreaterThan(((t1 - t0) / 1000) * 0.5);
    expect(v1 - v0).toBeLessThan(((t1 - t0) / 1000) * 1.5 + 2);
    const radios = await series('wifi_radio_utilization_percent');
    expect(radios.map((s) => s.labels.radio).sort()).toEqual(['na', 'ng']);
    expect(radios.flatMap((s) => s.points).every(([, v]) => v >= 0 && v <= 100)).toBe(true);
    const clients = (await series('wifi_ap_clients'))[0]!.points;
    expect(clients.every(([, v]) => Number.isInteger(v) && v >= 0 && v <= 240)).toBe(true);
    if (PING_AVAILABLE) expect((await series('ping_up'))[0]?.points.at(-1)?.[1]).toBe(1);

    // The CLI's status line sees them too, and stopping it stops the poller and snmpsimd it started.
    await sim.waitForLine(/AP targets 5\/5 \(up 5\)/, 30_000);
    expect(await sim.stop('SIGTERM')).toBe(0);
    expect(() => process.kill(pollerPid, 0)).toThrow();
    expect(spawnSync('snmpget', ['-v2c', '-c', 'school-01-ap-0000', '-t', '1', '-r', '0', `127.0.0.1:${apPort}`, '1.3.6.1.2.1.1.5.0'], { stdio: 'ignore' }).status).not.toBe(0);
  }, 180_000);
});
