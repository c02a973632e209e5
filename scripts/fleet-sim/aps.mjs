// Simulated Wi-Fi access points: one .snmprec file per AP (UniFi's MIB, the
// layout of agent/test/snmp/fixtures/unifi.snmprec) served by one Debian
// snmpsimd (`apt-get install snmpsim snmp`) on 127.0.0.1; the file name is the
// v2c community, so every AP is 127.0.0.1:PORT with its own community.
// Counters and uptimes move (snmpsim's `numeric` variation module); client
// counts and utilization differ per AP.
//
// THE HOOK for the Wi-Fi integration: `devicesYaml()` prints the collector's
// `devices:` section for these APs, each polled by the agent named `poller`.
// Once the protocol carries AP data, run a real `hallmonitor-agent run` enrolled
// under that name next to the collector and add the section to its config.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { rng } from './metric-set.mjs';

const UNIFI = '1.3.6.1.4.1.41112.1.6';

function compareOids(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** One UniFi AP with two radios and two SSIDs per radio. */
export function apSnmprec(name, seed) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const uptimeTicks = int(100_000, 300_000_000);
  const lines = [
    ['1.3.6.1.2.1.1.1.0', '4', 'U6-Pro 6.6.55.15189'],
    ['1.3.6.1.2.1.1.2.0', '6', '1.3.6.1.4.1.8072.3.2.10'],
    // Time-based: sysUpTime grows 100 ticks a second like a real one.
    ['1.3.6.1.2.1.1.3.0', '67:numeric', `rate=100,initial=${uptimeTicks}`],
    ['1.3.6.1.2.1.1.5.0', '4', name],
  ];
  const radios = [
    { idx: 1, name: 'wifi0', band: 'ng', channel: [1, 6, 11][int(0, 2)] },
    { idx: 2, name: 'wifi1', band: 'na', channel: [36, 44, 52, 100, 149][int(0, 4)] },
  ];
  for (const rad of radios) {
    lines.push([`${UNIFI}.1.1.1.1.${rad.idx}`, '2', String(rad.idx)], [`${UNIFI}.1.1.1.2.${rad.idx}`, '4', rad.name], [`${UNIFI}.1.1.1.3.${rad.idx}`, '4', rad.band], [`${UNIFI}.1.1.1.6.${rad.idx}`, '2', String(int(5, 70))]);
  }
  const vaps = [
    [1, 'school', 'ng', radios[0].channel],
    [2, 'guest', 'ng', radios[0].channel],
    [3, 'school', 'na', radios[1].channel],
    [4, 'guest', 'na', radios[1].channel],
  ];
  for (const [v, essid, band, ch] of vaps) {
    lines.push([`${UNIFI}.1.2.1.4.${v}`, '2', String(ch)], [`${UNIFI}.1.2.1.6.${v}`, '4', essid], [`${UNIFI}.1.2.1.8.${v}`, '65', String(int(0, essid === 'school' ? 35 : 6))], [`${UNIFI}.1.2.1.9.${v}`, '4', band], [`${UNIFI}.1.2.1.22.${v}`, '2', '1']);
  }
  lines.push([`${UNIFI}.3.3.0`, '4', 'U6-Pro'], [`${UNIFI}.3.5.0`, '65:numeric', `rate=1,initial=${Math.floor(uptimeTicks / 100)}`], [`${UNIFI}.3.6.0`, '4', '6.6.55.15189']);
  return lines.sort((a, b) => compareOids(a[0], b[0])).map(([oid, tag, value]) => `${oid}|${tag}|${value}\n`).join('');
}

async function freeUdpPort() {
  const sock = createSocket('udp4');
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise((resolve) => sock.close(resolve));
  return port;
}

function systemId(file, name) {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
    return line === undefined ? undefined : Number(line.split(':')[2]);
  } catch {
    return undefined;
  }
}

export function snmpsimAvailable() {
  return spawnSync('sh', ['-c', 'command -v snmpsimd && command -v snmpget'], { stdio: 'ignore' }).status === 0;
}

/**
 * Writes `count` AP data files and starts snmpsimd. Returns { port, aps:
 * [{ name, community, address, site, building, room }], devicesYaml(poller), stop() }.
 */
export async function startAps({ count, sites = 10, dir: given } = {}) {
  if (!snmpsimAvailable()) throw new Error('snmpsimd/snmpget not installed: apt-get install -y snmpsim snmp');
  const dir = given ?? mkdtempSync(join(os.tmpdir(), 'hm-fleet-aps-'));
  // snmpsimd drops to nobody:nogroup when root; it must read the data and write the cache.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'cache'), { recursive: true, mode: 0o755 });
  const uid = systemId('/etc/passwd', 'nobody');
  const gid = systemId('/etc/group', 'nogroup');
  if (process.getuid?.() === 0 && uid !== undefined && gid !== undefined) chownSync(join(dir, 'cache'), uid, gid);
  const aps = [];
  for (let i = 0; i < count; i++) {
    const site = `school-${String((i % sites) + 1).padStart(2, '0')}`;
    const name = `${site}-ap-${String(i).padStart(4, '0')}`;
    writeFileSync(join(dir, 'data', `${name}.snmprec`), apSnmprec(name, 10_000 + i), { mode: 0o644 });
    aps.push({ name, community: name, site, building: `b${(Math.floor(i / sites) % 3) + 1}`, room: `hall-${Math.floor(i / sites / 3) + 1}` });
  }
  const port = await freeUdpPort();
  const args = [`--data-dir=${join(dir, 'data')}`, `--cache-dir=${join(dir, 'cache')}`, `--agent-udpv4-endpoint=127.0.0.1:${port}`, '--logging-method=null'];
  if (process.getuid?.() === 0) args.push('--process-user=nobody', '--process-group=nogroup');
  const proc = spawn('snmpsimd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`snmpsimd exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (spawnSync('snmpget', ['-v2c', '-c', aps[0]?.community ?? 'public', '-t', '1', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.1.5.0'], { stdio: 'ignore' }).status === 0) break;
    if (Date.now() > deadline) throw new Error('snmpsimd did not answer within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const ap of aps) ap.address = `127.0.0.1:${port}`;
  return {
    port,
    dir,
    aps,
    devicesYaml: (poller) =>
      ['devices:', ...aps.map((a) => `  - { name: ${a.name}, address: "${a.address}", profile: unifi, snmp: { version: 2c, community: ${a.community} }, site: ${a.site}, building: ${a.building}, room: ${a.room}, poller: ${poller} }`)].join('\n') + '\n',
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
}
