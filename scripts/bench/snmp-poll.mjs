#!/usr/bin/env node
/*
 * Benchmark: the agent's Wi-Fi poller against real snmpsimd daemons.
 *
 *   npx tsc -b agent && node scripts/bench/snmp-poll.mjs [--cycles 3] [--per-controller 120]
 *
 * Simulates 4 controllers (Cisco WLC over SNMPv3 SHA/AES, Aruba, Aruba Instant,
 * Ruckus ZoneDirector; one snmpsimd each) plus 20 standalone UniFi APs (one
 * more snmpsimd, one community each): 500 APs by default, plus one dead device
 * (a loopback UDP port that never answers). AP addresses are 127.x.y.z, so the
 * ping pass only ever pings loopback. Needs `apt-get install snmpsim snmp iputils-ping`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { cycles: { type: 'string', default: '3' }, 'per-controller': { type: 'string', default: '120' } } });
const CYCLES = Number(args.cycles);
const PER_CONTROLLER = Number(args['per-controller']);
const STANDALONE = 20;

const { DevicePoller, validateDevices } = await import(new URL('../../agent/dist/snmp/index.js', import.meta.url).href).catch(() => {
  console.error('agent not built: run `npx tsc -b agent` first');
  process.exit(2);
});
if (spawnSync('sh', ['-c', 'command -v snmpsimd && command -v snmpget'], { stdio: 'ignore' }).status !== 0) {
  console.error('snmpsimd/snmpget missing: apt-get update && apt-get install -y snmpsim snmp iputils-ping');
  process.exit(2);
}

// ---- .snmprec generation (numeric OID order) ----
const cmp = (a, b) => {
  const x = a[0].split('.').map(Number);
  const y = b[0].split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
const rec = (lines) => lines.sort(cmp).map(([o, t, v]) => `${o}|${t}|${v}\n`).join('');
const system = (descr, oid, name) => [
  ['1.3.6.1.2.1.1.1.0', '4', descr],
  ['1.3.6.1.2.1.1.2.0', '6', oid],
  ['1.3.6.1.2.1.1.3.0', '67', '8640000'],
  ['1.3.6.1.2.1.1.5.0', '4', name],
];
const mac = (c, n) => `0.17.${c}.${n >> 8}.${n & 255}.1`;
const ip = (c, n) => `127.${c}.${n >> 8}.${(n & 255) + 1}`;

const VENDORS = {
  'cisco-wlc': (c) => {
    const l = system('Cisco Controller', '1.3.6.1.4.1.9.1.1069', 'wlc');
    for (let n = 0; n < PER_CONTROLLER; n++) {
      const i = mac(c, n);
      const A = '1.3.6.1.4.1.14179.2.2.1.1';
      l.push([`${A}.3.${i}`, '4', `ap-${n}`], [`${A}.6.${i}`, '2', n % 40 === 0 ? '3' : '1'], [`${A}.16.${i}`, '4', 'AIR-AP2802I'], [`${A}.19.${i}`, '64', ip(c, n)]);
      l.push([`1.3.6.1.4.1.9.9.513.1.1.1.1.6.${i}`, '67', String(1000 * n)], [`1.3.6.1.4.1.9.9.513.1.1.1.1.54.${i}`, '66', String(n % 30)]);
      for (const s of [0, 1]) {
        l.push([`1.3.6.1.4.1.14179.2.2.2.1.4.${i}.${s}`, '2', s ? '36' : '6'], [`1.3.6.1.4.1.14179.2.2.2.1.15.${i}.${s}`, '65', String(n % 15)]);
        l.push([`1.3.6.1.4.1.14179.2.2.13.1.3.${i}.${s}`, '2', String(n % 90)]);
      }
    }
    return l;
  },
  aruba: (c) => {
    const l = system('ArubaOS (MODEL: Aruba7030)', '1.3.6.1.4.1.14823.1.1.32', 'mc');
    for (let n = 0; n < PER_CONTROLLER; n++) {
      const i = mac(c, n);
      const A = '1.3.6.1.4.1.14823.2.2.1.5.2.1.4.1';
      l.push([`${A}.2.${i}`, '64', ip(c, n)], [`${A}.3.${i}`, '4', `ap-${n}`], [`${A}.12.${i}`, '67', '500000'], [`${A}.19.${i}`, '2', n % 40 === 0 ? '2' : '1']);
      for (const r of [0, 1]) {
        const R = '1.3.6.1.4.1.14823.2.2.1.5.2.1.5.1';
        l.push([`${R}.3.${i}.${r}`, '2', r ? '44' : '11'], [`${R}.6.${i}.${r}`, '2', '30'], [`${R}.7.${i}.${r}`, '2', String(n % 12)]);
      }
    }
    return l;
  },
  'aruba-instant': (c) => {
    const l = system('ArubaOS Version 8.10 Instant', '1.3.6.1.4.1.14823.1.2.111', 'vc');
    for (let n = 0; n < PER_CONTROLLER; n++) {
      const i = mac(c, n);
      const A = '1.3.6.1.4.1.14823.2.3.3.1.2.1.1';
      l.push([`${A}.2.${i}`, '4', `iap-${n}`], [`${A}.3.${i}`, '64', ip(c, n)], [`${A}.9.${i}`, '67', '400000'], [`${A}.11.${i}`, '2', n % 40 === 0 ? '2' : '1']);
      for (const r of [0, 1]) {
        const R = '1.3.6.1.4.1.14823.2.3.3.1.2.2.1';
        l.push([`${R}.4.${i}.${r}`, '4x', r ? '2402' : '06'], [`${R}.8.${i}.${r}`, '2', '25'], [`${R}.21.${i}.${r}`, '2', String(n % 9)]);
      }
    }
    return l;
  },
  'ruckus-zd': (c) => {
    const l = system('Ruckus Wireless ZD1200', '1.3.6.1.4.1.25053.3.1.5.15', 'zd');
    for (let n = 0; n < PER_CONTROLLER; n++) {
      const i = mac(c, n);
      const A = '1.3.6.1.4.1.25053.1.2.2.1.1.2.1.1';
      l.push([`${A}.2.${i}`, '4', `zd-${n}`], [`${A}.3.${i}`, '2', n % 40 === 0 ? '0' : '1'], [`${A}.6.${i}`, '67', '300000'], [`${A}.10.${i}`, '64', ip(c, n)]);
      for (const r of [0, 1]) {
        const R = '1.3.6.1.4.1.25053.1.2.2.1.1.2.2.1';
        l.push([`${R}.4.${i}.${r}`, '66', r ? '40' : '1'], [`${R}.8.${i}.${r}`, '66', String(n % 7)], [`${R}.40.${i}.${r}`, '66', '12']);
      }
    }
    return l;
  },
};
const unifi = (n) => {
  const l = system('U6-Pro 6.6.55', '1.3.6.1.4.1.8072.3.2.10', `u6-${n}`);
  const V = '1.3.6.1.4.1.41112.1.6.1.2.1';
  l.push([`${V}.4.1`, '2', '6'], [`${V}.8.1`, '65', String(n)], [`${V}.9.1`, '4', 'ng'], [`${V}.22.1`, '2', '1']);
  l.push([`${V}.4.2`, '2', '44'], [`${V}.8.2`, '65', String(2 * n)], [`${V}.9.2`, '4', 'na'], [`${V}.22.2`, '2', '1']);
  return l;
};

// ---- snmpsimd processes ----
const V3 = { user: 'bench', authKey: 'bench-auth-key', privKey: 'bench-priv-key' };
const idOf = (file, name) => Number(readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[2]);
async function freePort() {
  const s = createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
const procs = [];
async function startSim(root, name, files) {
  const dir = join(root, name);
  await mkdir(join(dir, 'data'), { recursive: true, mode: 0o755 });
  await mkdir(join(dir, 'cache'), { mode: 0o755 });
  await chmod(dir, 0o755);
  if (process.getuid() === 0) await chown(join(dir, 'cache'), idOf('/etc/passwd', 'nobody'), idOf('/etc/group', 'nogroup'));
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, 'data', `${f}.snmprec`), text, { mode: 0o644 });
  const port = await freePort();
  const argv = [`--data-dir=${join(dir, 'data')}`, `--cache-dir=${join(dir, 'cache')}`, `--agent-udpv4-endpoint=127.0.0.1:${port}`, '--logging-method=null'];
  if (process.getuid() === 0) argv.push('--process-user=nobody', '--process-group=nogroup');
  argv.push(`--v3-user=${V3.user}`, `--v3-auth-key=${V3.authKey}`, '--v3-auth-proto=SHA', `--v3-priv-key=${V3.privKey}`, '--v3-priv-proto=AES');
  const proc = spawn('snmpsimd', argv, { stdio: 'ignore' });
  procs.push(proc);
  const community = Object.keys(files)[0];
  for (let i = 0; i < 300; i++) {
    if (spawnSync('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.1.3.0'], { stdio: 'ignore' }).status === 0) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`snmpsimd ${name} did not start`);
}

const root = await mkdtemp(join(tmpdir(), 'hm-bench-snmp-'));
await chmod(root, 0o755);
const silent = createSocket('udp4');
await new Promise((r) => silent.bind(0, '127.0.0.1', r));
try {
  const entries = [];
  let c = 1;
  for (const vendor of Object.keys(VENDORS)) {
    const port = await startSim(root, vendor, { [vendor]: rec(VENDORS[vendor](c++)) });
    const snmp =
      vendor === 'cisco-wlc'
        ? { version: '3', user: V3.user, authProtocol: 'sha', authKey: V3.authKey, privProtocol: 'aes', privKey: V3.privKey, context: vendor }
        : { version: '2c', community: vendor };
    entries.push({ name: `bench-${vendor}`, address: `127.0.0.1:${port}`, profile: vendor, snmp });
  }
  const standaloneFiles = Object.fromEntries(Array.from({ length: STANDALONE }, (_, n) => [`u6-${n}`, rec(unifi(n))]));
  const uport = await startSim(root, 'unifi', standaloneFiles);
  for (let n = 0; n < STANDALONE; n++) entries.push({ name: `bench-u6-${n}`, address: `127.0.0.1:${uport}`, profile: 'unifi', snmp: { version: '2c', community: `u6-${n}` } });
  entries.push({ name: 'bench-dead', address: `127.0.0.1:${silent.address().port}`, profile: 'cisco-wlc', snmp: { version: '2c', community: 'x' } });

  for (const ping of ['off', 'auto']) {
    const poller = new DevicePoller();
    poller.setDevices(validateDevices(entries.map((e) => ({ ...e, ping }))));
    console.log(`\n== ping: ${ping} (${entries.length} devices, ${Object.keys(VENDORS).length * PER_CONTROLLER + STANDALONE} APs + 1 dead device; defaults: concurrency 32, timeout 2000 ms, retries 1)`);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const results = await poller.pollAll();
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const targets = results.flatMap((r) => r.targets);
      const live = results.filter((r) => r.device !== 'bench-dead');
      const slowestLive = Math.max(...live.map((r) => r.durationMs));
      const dead = results.find((r) => r.device === 'bench-dead');
      const pinged = targets.filter((t) => t.samples.some((s) => s.name === 'ping_up')).length;
      console.log(
        `cycle ${cycle}: wall ${(wall / 1000).toFixed(2)} s | APs ${targets.length} (up ${targets.filter((t) => t.up).length}, pinged ${pinged}) | ` +
          `samples ${targets.reduce((n, t) => n + t.samples.length, 0)} | ok ${live.filter((r) => r.ok).length}/${live.length} | ` +
          `slowest live device ${slowestLive} ms | dead device ${dead.durationMs} ms ${dead.error.code} | ` +
          `agent CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms | RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
      );
      if (cycle === CYCLES) {
        console.log('  per device:', live.filter((r) => !r.device.startsWith('bench-u6-')).map((r) => `${r.device.slice(6)} ${r.targets.length} APs ${r.durationMs} ms`).join(', '));
      }
    }
    await poller.close();
  }
} finally {
  for (const p of procs) p.kill('SIGTERM');
  silent.close();
  await new Promise((r) => setTimeout(r, 300));
  await rm(root, { recursive: true, force: true });
}
