import { describe, expect, it } from 'vitest';
import { METRICS } from '@hallmonitor/shared';
import { NotApplicableError, type CollectResult } from '../src/collectors/collector.js';
import { createCpuCollector } from '../src/collectors/cpu.js';
import { createDiskCollector } from '../src/collectors/disk.js';
import { createFactsCollector } from '../src/collectors/facts.js';
import { createLoadCollector } from '../src/collectors/load.js';
import { createMemoryCollector } from '../src/collectors/memory.js';
import { createNetworkCollector } from '../src/collectors/network.js';
import { createHostFs } from '../src/collectors/proc-source.js';
import { COLLECTOR_FACTORIES } from '../src/collectors/registry.js';
import { createSwapCollector } from '../src/collectors/swap.js';
import { createTemperatureCollector, findCpuSensors } from '../src/collectors/temperature.js';
import { createUptimeCollector } from '../src/collectors/uptime.js';
import type { Exec } from '../src/exec.js';
import { FIXTURES, fixture, memoryFs } from './helpers.js';

const ctx = (now: number): { now: number; signal: AbortSignal } => ({ now, signal: new AbortController().signal });
const value = (r: CollectResult, name: string, labels: Record<string, string> = {}): number | undefined =>
  r.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
const noExec: Exec = async () => {
  throw new Error('no child process expected');
};

describe('registry', () => {
  it('lists one collector per file, named for it', () => {
    expect(Object.keys(COLLECTOR_FACTORIES).sort()).toEqual(['cpu', 'disk', 'facts', 'load', 'memory', 'network', 'patch', 'swap', 'temperature', 'uptime']);
    const fs = memoryFs({});
    for (const [name, make] of Object.entries(COLLECTOR_FACTORIES)) expect(make({ fs, exec: noExec, platform: 'linux' }).name).toBe(name);
  });
});

describe('host collectors on captured Linux sources', () => {
  it('cpu primes, then reports busy percent between rounds', async () => {
    const fs = memoryFs({ 'proc/stat': 'cpu  100 0 100 800 0 0 0 0 0 0\n' });
    const c = createCpuCollector({ fs, platform: 'linux' });
    expect((await c.collect(ctx(1000))).samples).toEqual([]);
    fs.files['proc/stat'] = 'cpu  150 0 150 900 0 0 0 0 0 0\n';
    expect(value(await c.collect(ctx(2000)), METRICS.cpuUsagePercent)).toBe(50);
  });

  it('load, memory, swap and uptime from /proc files', async () => {
    const fs = memoryFs({
      'proc/loadavg': fixture('proc/loadavg'),
      'proc/meminfo': 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\nSwapTotal: 2000 kB\nSwapFree: 1500 kB\n',
      'proc/uptime': '3600.55 7000.00\n',
      'proc/stat': fixture('proc/stat'),
    });
    const load = await createLoadCollector({ fs, platform: 'linux' }).collect(ctx(1));
    expect(value(load, METRICS.load1)).toBe(0.08);
    expect(value(load, METRICS.load15)).toBe(0.08);
    const mem = await createMemoryCollector({ fs, platform: 'linux' }).collect(ctx(1));
    expect(value(mem, METRICS.memoryUsedPercent)).toBe(75);
    expect(value(mem, METRICS.memoryAvailableBytes)).toBe(250 * 1024);
    expect(value(await createSwapCollector({ fs, platform: 'linux' }).collect(ctx(1)), METRICS.swapUsedPercent)).toBe(25);
    const up = await createUptimeCollector({ fs, platform: 'linux' }).collect(ctx(1));
    expect(value(up, METRICS.uptimeSeconds)).toBe(3601);
    expect(up.facts?.bootTime).toBe(new Date(1795407501 * 1000).toISOString());
  });

  it('load is not applicable on Windows', async () => {
    await expect(createLoadCollector({ fs: memoryFs({}), platform: 'win32' }).collect(ctx(1))).rejects.toBeInstanceOf(NotApplicableError);
  });

  it('network skips loopback and virtual interfaces and reports bytes per second', async () => {
    const virtual = { 'sys/devices/virtual/net/lo/ifindex': '1', 'sys/devices/virtual/net/docker0/ifindex': '3', 'sys/devices/virtual/net/veth1a2b3c/ifindex': '9' };
    const fs = memoryFs({ ...virtual, 'proc/net/dev': fixture('proc/net-dev-workstation') });
    const c = createNetworkCollector({ fs, platform: 'linux' });
    expect((await c.collect(ctx(10_000))).samples).toEqual([]);
    fs.files['proc/net/dev'] = fixture('proc/net-dev-workstation').replace('987654321', '987754321').replace('2000000    3000', '2500000    3000');
    const r = await c.collect(ctx(20_000));
    expect(new Set(r.samples.map((s) => s.labels.interface))).toEqual(new Set(['eno1', 'wlp2s0']));
    expect(value(r, METRICS.networkReceiveBytesPerSecond, { interface: 'eno1' })).toBe(10_000);
    expect(value(r, METRICS.networkReceiveBytesPerSecond, { interface: 'wlp2s0' })).toBe(50_000);
    expect(value(r, METRICS.networkTransmitBytesPerSecond, { interface: 'eno1' })).toBe(0);
    const all = createNetworkCollector({ fs, platform: 'linux', includeVirtualInterfaces: true });
    await all.collect(ctx(1));
    expect(new Set((await all.collect(ctx(2))).samples.map((s) => s.labels.interface))).toContain('docker0');
  });

  it('disk reports each real filesystem once and skips unreadable ones', async () => {
    const fs = memoryFs({ 'proc/self/mounts': fixture('proc/mounts-workstation') });
    const statfs = fs.statfs;
    fs.statfs = async (p: string) => {
      if (p === '/mnt/shared') throw new Error('EACCES'); // a hung or forbidden NFS mount is skipped
      return statfs(p);
    };
    const r = await createDiskCollector({ fs, platform: 'linux' }).collect(ctx(1));
    expect([...new Set(r.samples.map((s) => s.labels.mount))]).toEqual(['/', '/srv/data share', '/home']);
    // 1000 blocks of 4096, 400 free, 300 available to users: used 600 / (600 + 300).
    expect(value(r, METRICS.diskUsedPercent, { mount: '/' })).toBe(66.67);
    expect(value(r, METRICS.diskFreeBytes, { mount: '/' })).toBe(300 * 4096);
    expect(value(r, METRICS.diskTotalBytes, { mount: '/' })).toBe(1000 * 4096);
  });
});

describe('temperature', () => {
  it('prefers the coretemp hwmon chip and reports its hottest sensor', async () => {
    const fs = createHostFs(`${FIXTURES}hosts/coretemp`);
    expect((await findCpuSensors(fs)).every((f) => f.includes('hwmon2'))).toBe(true);
    const r = await createTemperatureCollector({ fs, platform: 'linux' }).collect(ctx(1));
    expect(value(r, METRICS.cpuTemperatureCelsius)).toBe(61);
  });

  it('falls back to the x86_pkg_temp thermal zone over acpitz', async () => {
    const r = await createTemperatureCollector({ fs: createHostFs(`${FIXTURES}hosts/thermal-zone`), platform: 'linux' }).collect(ctx(1));
    expect(value(r, METRICS.cpuTemperatureCelsius)).toBe(48);
  });

  it('is not applicable without sensors or with a broken one', async () => {
    for (const host of ['vm', 'broken-sensor']) {
      await expect(createTemperatureCollector({ fs: createHostFs(`${FIXTURES}hosts/${host}`), platform: 'linux' }).collect(ctx(1))).rejects.toBeInstanceOf(NotApplicableError);
    }
  });
});

describe('facts', () => {
  it('reads OS, hardware and a real serial; drops a placeholder serial', async () => {
    const dell = await createFactsCollector({ fs: createHostFs(`${FIXTURES}hosts/dell`), exec: noExec, platform: 'linux' }).collect(ctx(1));
    expect(dell.facts).toMatchObject({ os: 'Ubuntu', osVersion: '22.04', serial: '7XK2QL3', hardwareVendor: 'Dell Inc.', hardwareModel: 'OptiPlex 7090', platform: 'linux' });
    expect(dell.facts?.hostname).toBeTruthy();
    const vm = await createFactsCollector({ fs: createHostFs(`${FIXTURES}hosts/vm`), exec: noExec, platform: 'linux' }).collect(ctx(1));
    expect(vm.facts).toMatchObject({ os: 'Debian GNU/Linux', osVersion: '12', hardwareVendor: 'QEMU' });
    expect(vm.facts).not.toHaveProperty('serial');
  });

  it('reads Windows version facts through reg and PowerShell once, then from cache', async () => {
    const calls: string[] = [];
    const exec: Exec = async (cmd) => {
      calls.push(cmd);
      if (cmd === 'reg') return { code: 0, stdout: fixture('windows/reg-currentversion-win11.txt'), stderr: '' };
      return { code: 0, stdout: 'CZC1234XYZ\r\n', stderr: '' };
    };
    const c = createFactsCollector({ fs: memoryFs({}), exec, platform: 'win32' });
    const r = await c.collect(ctx(1));
    expect(r.facts).toMatchObject({ os: 'Windows 11 Education', osVersion: '23H2', osBuild: '22631.4400', serial: 'CZC1234XYZ' });
    await c.collect(ctx(2));
    expect(calls).toEqual(['reg', 'powershell.exe']);
  });

  it('reads macOS facts from sw_vers and ioreg', async () => {
    const exec: Exec = async (cmd) => ({ code: 0, stdout: fixture(cmd === 'sw_vers' ? 'macos/sw_vers.txt' : 'macos/ioreg-platform.txt'), stderr: '' });
    const r = await createFactsCollector({ fs: memoryFs({}), exec, platform: 'darwin' }).collect(ctx(1));
    expect(r.facts).toMatchObject({ os: 'macOS', osVersion: '14.1.1', osBuild: '23B81', serial: 'FVFH1234Q6L4' });
  });

  it('is not fatal when the sources are unreadable', async () => {
    const failing: Exec = async () => ({ code: 1, stdout: '', stderr: 'Access is denied.' });
    const r = await createFactsCollector({ fs: memoryFs({}), exec: failing, platform: 'win32' }).collect(ctx(1));
    expect(r.facts?.hostname).toBeTruthy();
    expect(r.facts).not.toHaveProperty('osBuild');
  });
});

