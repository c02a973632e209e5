// Simulated Wi-Fi access points: one .snmprec file per AP (UniFi's MIB, the
// layout of agent/test/snmp/fixtures/unifi.snmprec) served by one Debian
// snmpsimd (`apt-get install snmpsim snmp`) on 127.0.0.1; the file name is the
// v2c community, so every AP is 127.0.0.1:PORT with its own community.
// Values move on their own (snmpsim's `numeric` variation module): sysUpTime
// and the uptime counter grow with time, client counts per SSID and channel
// utilization per radio follow a slow sine (10–40 min period, each AP at its
// own phase), so polls read new numbers, as from a real AP.
//
// `devicesYaml(poller)` is the collector config's `devices:` section for these
// APs, each assigned to the agent named `poller`; poller.mjs enrolls and runs
// that agent (the real `hallmonitor-agent run`), which polls them over SNMP and
// sends each AP as a target of its own (kind `ap`).
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

/**
 * snmpsim `numeric` arguments for a gauge that swings `amplitude` around `mean`
 * (clamped to 0..max) with a period of 10–40 min. `atime` takes the sine of
 * the wall clock, so each AP (its own rate) sits at its own phase from the start.
 */
function wave(mean, amplitude, max, r) {
  const periodSeconds = 600 + Math.floor(r() * 1800);
  return `function=sin,atime=1,rate=${(2 * Math.PI / periodSeconds).toFixed(6)},scale=${amplitude},offset=${mean},min=0,max=${max}`;
}

/** One UniFi AP with two radios and two SSIDs per radio. */
export function apSnmprec(name, seed) {
  // Scrambled: xorshift's first outputs for neighbouring seeds are close, and APs are numbered.
  const r = rng(Math.imul(seed, 2_654_435_761) >>> 0);
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
    lines.push([`${UNIFI}.1.1.1.1.${rad.idx}`, '2', String(rad.idx)], [`${UNIFI}.1.1.1.2.${rad.idx}`, '4', rad.name], [`${UNIFI}.1.1.1.3.${rad.idx}`, '4', rad.band], [`${UNIFI}.1.1.1.6.${rad.idx}`, '2:numeric', wave(int(10, 45), int(5, 20), 100, r)]);
  }
  const vaps = [
    [1, 'school', 'ng', radios[0].channel],
    [2, 'guest', 'ng', radios[0].channel],
    [3, 'school', 'na', radios[1].channel],
    [4, 'guest', 'na', radios[1].channel],
  ];
  for (const [v, essid, band, ch] of vaps) {
    const mean = essid === 'school' ? int(4, 18) : int(1, 3);
    lines.push([`${UNIFI}.1.2.1.4.${v}`, '2', String(ch)], [`${UNIFI}.1.2.1.6.${v}`, '4', essid], [`${UNIFI}.1.2.1.8.${v}`, '65:numeric', wave(mean, mean, 60, r)], [`${UNIFI}.1.2.1.9.${v}`, '4', band], [`${UNIFI}.1.2.1.22.${v}`, '2', '1']);
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

/** The simulated APs' names and places (pure): `sites` schools, 3 buildings each. */
export function apList(count, sites = 10) {
  const aps = [];
  for (let i = 0; i < count; i++) {
    const site = `school-${String((i % sites) + 1).padStart(2, '0')}`;
    const name = `${site}-ap-${String(i).padStart(4, '0')}`;
    aps.push({ name, community: name, seed: 10_000 + i, site, building: `b${(Math.floor(i / sites) % 3) + 1}`, room: `hall-${Math.floor(i / sites / 3) + 1}` });
  }
  return aps;
}

/** The collector config's `devices:` section for `aps` at udp 127.0.0.1:`port`; `ping: 'off'` skips the poller's ICMP probe of each AP. */
export function devicesYaml(aps, port, poller, { ping = 'auto' } = {}) {
  const lines = aps.map((a) => `  - { name: ${a.name}, address: "127.0.0.1:${port}", profile: unifi, snmp: { version: 2c, community: ${a.community} }, site: ${a.site}, building: ${a.building}, room: ${a.room}, poller: ${poller}${ping === 'off' ? ', ping: off' : ''} }`);
  return ['devices:', ...lines].join('\n') + '\n';
}

/**
 * Writes `count` AP data files and starts snmpsimd on `port` (default: a free
 * one; a fixed port keeps a written devices section valid across runs).
 * Returns { port, pid, aps: [{ name, community, address, site, building, room }],
 * devicesYaml(poller, { ping }), stop() }.
 */
export async function startAps({ count, sites = 10, dir: given, port: wantedPort } = {}) {
  if (!snmpsimAvailable()) throw new Error('snmpsimd/snmpget not installed: apt-get install -y snmpsim snmp');
  const dir = given ?? mkdtempSync(join(os.tmpdir(), 'hm-fleet-aps-'));
  // snmpsimd drops to nobody:nogroup when root; it must read the data and write the cache.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'cache'), { recursive: true, mode: 0o755 });
  const uid = systemId('/etc/passwd', 'nobody');
  const gid = systemId('/etc/group', 'nogroup');
  if (process.getuid?.() === 0 && uid !== undefined && gid !== undefined) chownSync(join(dir, 'cache'), uid, gid);
  const aps = apList(count, sites);
  for (const ap of aps) writeFileSync(join(dir, 'data', `${ap.community}.snmprec`), apSnmprec(ap.name, ap.seed), { mode: 0o644 });
  const port = wantedPort ?? (await freeUdpPort());
  const args = [`--data-dir=${join(dir, 'data')}`, `--cache-dir=${join(dir, 'cache')}`, `--agent-udpv4-endpoint=127.0.0.1:${port}`, '--logging-method=null'];
  if (process.getuid?.() === 0) args.push('--process-user=nobody', '--process-group=nogroup');
  const proc = spawn('snmpsimd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`snmpsimd exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (spawnSync('snmpget', ['-v2c', '-c', aps[0]?.community ?? 'public', '-t', '1', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.1.5.0'], { stdio: 'ignore' }).status === 0) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`snmpsimd on udp 127.0.0.1:${port} did not answer within 120 s: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const ap of aps) ap.address = `127.0.0.1:${port}`;
  return {
    port,
    pid: proc.pid,
    dir,
    aps,
    devicesYaml: (poller, opts) => devicesYaml(aps, port, poller, opts),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
}
