// Agent footprint beside Debian's prometheus-node-exporter and zabbix-agent2:
// all run on this machine over the same window; RSS from /proc/PID/status
// (median and max of samples every 100 ms, with its anonymous and file-backed
// parts), CPU from every thread's /proc/PID/task/*/schedstat plus reaped
// children (cutime+cstime), child processes seen under each daemon. Prints a
// table with ratios, then the in-process cost of one collection round
// (round-cost.mjs).
//
// Our agent runs in the forms it exists in, each as it would run for real:
// - the single executable as shipped: built by scripts/build-agent, copied with
//   `install` as install-agent.sh does, its page cache dropped (a machine after
//   boot), started with the systemd unit's environment (Environment= lines read
//   from install-agent.sh, nothing inherited from this shell: a developer's
//   NODE_EXTRA_CA_CERTS alone costs Node ~2 MB), talking TLS with a pinned CA
//   as the default `tls: auto` collector does; and the same over plain ws://;
// - the same bundle on this machine's `node`; the workspace build (`pnpm exec
//   hallmonitor-agent run`), both over TLS.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { PROTOCOL_VERSION, spkiPin } from '@hallmonitor/shared';
import { bundleAgent } from '../build-agent/bundle.mjs';
import { TARGETS, hostTarget } from '../build-agent/targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const settleS = arg('settle', 60);
const windowS = arg('window', 120);
const intervalS = arg('interval', 15);
const TICK_MS = 10;

function ensurePeers() {
  const missing = [['prometheus-node-exporter', '/usr/bin/prometheus-node-exporter'], ['zabbix-agent2', '/usr/sbin/zabbix_agent2']].filter(([, bin]) => !existsSync(bin));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`install first: apt-get install ${missing.map(([p]) => p).join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', ...missing.map(([p]) => p)], { stdio: 'inherit', env });
}

/** A free loopback port; zabbix_agent2 accepts only 1024–32767, so the range is ours to pick. */
const freePort = async (tries = 50) => {
  for (let i = 0; i < tries; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const s = net.createServer().once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
};

function cpuNs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread exited between readdir and read
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ns, childMs: (Number(f[13]) + Number(f[14])) * TICK_MS };
}
function memMb(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}
const children = (pid) => {
  const out = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch {
      // thread gone
    }
  }
  return out;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};

/** Zabbix passive check: one TCP connection per item, ZBXD header both ways. */
function zabbixGet(port, key) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const body = Buffer.from(key);
    const head = Buffer.alloc(13);
    head.write('ZBXD\x01', 0, 'latin1');
    head.writeBigUInt64LE(BigInt(body.length), 5);
    const chunks = [];
    sock.on('connect', () => sock.write(Buffer.concat([head, body])));
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks).subarray(13).toString()));
    sock.on('error', reject);
    sock.setTimeout(5000, () => sock.destroy(new Error('zabbix timeout')));
  });
}

/** The environment systemd gives the agent service: its defaults plus the unit's Environment= lines. */
function unitEnvironment() {
  const sh = readFileSync(join(repo, 'scripts', 'install', 'install-agent.sh'), 'utf8');
  const unit = /^cat > "\$UNIT\.tmp" <<EOF\n([\s\S]*?)^EOF$/m.exec(sh)?.[1];
  if (!unit) throw new Error('cannot find the agent unit in install-agent.sh');
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  for (const m of unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) env[m[1]] = m[2];
  return env;
}

/** A CA and a server certificate for 127.0.0.1, as a `tls: auto` collector has (openssl, like install-agent.sh). */
function makeTls(dir) {
  const ssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'ext');
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  return { ca, pin: spkiPin(ca), key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem'), 'utf8') + ca };
}

/** The single executable for this machine, built and then installed the way install-agent.sh does. */
function buildExecutable(work) {
  const target = hostTarget();
  if (!target || TARGETS[target].os !== 'linux') return undefined;
  const out = join(work, 'build');
  execFileSync(process.execPath, [join(repo, 'scripts', 'build-agent', 'build.mjs'), '--targets', target, '--out', out, '--version', 'bench', '--skip-tsc'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exe = join(work, 'hallmonitor-agent');
  execFileSync('install', ['-m', '0755', join(out, TARGETS[target].file), exe]);
  return exe;
}

/** After a boot the executable is not in the page cache; reading it in bulk instead would map it in 2 MB folios (agent README). */
function dropPageCache(file) {
  execFileSync('sync', [file]);
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

const physicalIface = () => readdirSync('/sys/class/net').find((n) => !existsSync(`/sys/devices/virtual/net/${n}`)) ?? 'lo';

async function main() {
  ensurePeers();
  const work = mkdtempSync(join(os.tmpdir(), 'hm-footprint-'));
  const procs = [];
  const servers = [];
  let stopping = false;
  let timer;
  try {
    // A minimal collector that welcomes and acks, on plain ws:// and on wss:// with a pinned CA.
    const tls = makeTls(work);
    const https = createServer({ key: tls.key, cert: tls.cert });
    await new Promise((r) => https.listen(0, '127.0.0.1', r));
    const plain = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => plain.once('listening', r));
    const secure = new WebSocketServer({ server: https });
    servers.push(plain, secure, https);
    const rounds = {};
    let counting = false;
    const onConnection = (ws) => {
      let who;
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString());
        if (m.type === 'hello') {
          who = m.agentId;
          ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'welcome', acceptedVersion: PROTOCOL_VERSION, agentId: m.agentId, highWaterSeq: 0, settings: {} }));
        }
        if (m.type === 'metrics') {
          if (counting) rounds[who] = (rounds[who] ?? 0) + 1;
          ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'ack', epoch: m.epoch, seq: m.seq }));
        }
      });
    };
    plain.on('connection', onConnection);
    secure.on('connection', onConnection);
    const agentConfig = (id, { secure: useTls }) => {
      const cfg = join(work, `${id}.yaml`);
      const collector = useTls
        ? `  url: wss://127.0.0.1:${https.address().port}\n  pin: "${tls.pin}"\n  ca: |\n${tls.ca.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n`
        : `  url: ws://127.0.0.1:${plain.address().port}\n`;
      writeFileSync(cfg, `collector:\n${collector}agent:\n  id: ${id}\n  credential: bench-credential-0123456789\ninterval: ${intervalS}s\ndataDir: ${join(work, `${id}-data`)}\nlog:\n  level: warn\n`);
      return cfg;
    };

    const unitEnv = unitEnvironment();
    const devEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
    const exe = buildExecutable(work);
    const bundle = join(work, 'hallmonitor-agent.cjs');
    await bundleAgent({ outfile: bundle, version: 'bench', os: 'linux' });
    const forms = [
      ...(exe
        ? [
            { key: 'sea', name: 'hallmonitor-agent, single executable as shipped (TLS)', cmd: [exe], env: unitEnv, tls: true },
            { key: 'seaPlain', name: 'hallmonitor-agent, single executable, plain ws://', cmd: [exe], env: unitEnv, tls: false },
          ]
        : []),
      { key: 'bundle', name: 'hallmonitor-agent, same bundle on node (TLS)', cmd: [process.execPath, bundle], env: unitEnv, tls: true },
      { key: 'workspace', name: 'hallmonitor-agent, workspace build on node (TLS)', cmd: [process.execPath, join(repo, 'agent', 'bin', 'hallmonitor-agent.js')], env: devEnv, tls: true },
    ];
    if (!exe) process.stderr.write(`no single executable for ${process.platform}-${process.arch}: measuring node forms only\n`);
    if (exe) dropPageCache(exe);
    const started = [];
    for (const f of forms) {
      const id = `bench-${f.key}`;
      const p = spawn(f.cmd[0], [...f.cmd.slice(1), 'run', '--config', agentConfig(id, { secure: f.tls })], { stdio: ['ignore', 'ignore', 'inherit'], env: f.env });
      started.push({ ...f, id, p });
    }

    const nodePort = await freePort();
    const nodeExp = spawn('/usr/bin/prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`], { stdio: 'ignore' });

    const zbxPort = await freePort();
    const zconf = join(work, 'zabbix_agent2.conf');
    writeFileSync(
      zconf,
      `Server=127.0.0.1\nServerActive=\nListenIP=127.0.0.1\nListenPort=${zbxPort}\nHostname=bench\nLogType=file\nLogFile=${join(work, 'zabbix.log')}\nPidFile=${join(work, 'zabbix.pid')}\nControlSocket=${join(work, 'zabbix.sock')}\nInclude=/etc/zabbix/zabbix_agent2.d/plugins.d/*.conf\n`,
    );
    const zabbix = spawn('/usr/sbin/zabbix_agent2', ['-c', zconf, '-f'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const all = [...started.map((s) => ({ key: s.key, id: s.id, name: s.name, p: s.p })), { key: 'node', id: 'node', name: 'prometheus-node-exporter 1.5', p: nodeExp }];
    const iface = physicalIface();
    const zbxItems = ['system.cpu.util', 'system.cpu.load[all,avg1]', 'vm.memory.size[pavailable]', 'vm.memory.size[available]', 'system.swap.size[,pfree]', 'system.uptime', 'vfs.fs.size[/,pused]', 'vfs.fs.size[/,free]', `net.if.in[${iface}]`, `net.if.out[${iface}]`];
    all.push({ key: 'zabbix', id: 'zabbix', name: `zabbix_agent2 6.0 (${zbxItems.length} items)`, p: zabbix });
    procs.push(...all.map((a) => a.p));
    for (const a of all) {
      a.p.on('exit', (code, signal) => {
        if (stopping) return;
        const log = a.key === 'zabbix' && existsSync(join(work, 'zabbix.log')) ? readFileSync(join(work, 'zabbix.log'), 'utf8').trim().split('\n').slice(-3).join('\n') : '';
        process.stderr.write(`agent-footprint: ${a.name} exited early (${signal ?? code})\n${log}\n`);
      });
    }

    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${nodePort}/metrics`).then((r) => r.text()).catch(() => '');
      if (counting && res) rounds.node = (rounds.node ?? 0) + 1;
      let ok = 0;
      for (const k of zbxItems) if (await zabbixGet(zbxPort, k).catch(() => '')) ok++;
      if (counting && ok) rounds.zabbix = (rounds.zabbix ?? 0) + 1;
    };
    timer = setInterval(() => void scrape(), intervalS * 1000);
    process.stderr.write(`settling ${settleS} s, then measuring ${windowS} s (interval ${intervalS} s)…\n`);
    await new Promise((r) => setTimeout(r, settleS * 1000));

    const before = Object.fromEntries(all.map((a) => [a.key, cpuNs(a.p.pid)]));
    const mem = Object.fromEntries(all.map((a) => [a.key, []]));
    const seenChildren = Object.fromEntries(all.map((a) => [a.key, new Set()]));
    counting = true;
    const t0 = Date.now();
    while (Date.now() - t0 < windowS * 1000) {
      for (const a of all) {
        mem[a.key].push(memMb(a.p.pid));
        for (const c of children(a.p.pid)) seenChildren[a.key].add(c);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    counting = false;
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(timer);
    const rows = all.map((a) => {
      const after = cpuNs(a.p.pid);
      const cpuMs = (after.ns - before[a.key].ns) / 1e6 + (after.childMs - before[a.key].childMs);
      const n = rounds[a.id] ?? 0;
      const m = mem[a.key];
      return {
        ...a,
        rss: median(m.map((x) => x.rss)),
        rssMax: Math.max(...m.map((x) => x.rss)),
        anon: median(m.map((x) => x.anon)),
        file: median(m.map((x) => x.file)),
        pct: (cpuMs / 1000 / seconds) * 100,
        rounds: n,
        perRound: n ? cpuMs / n : NaN,
        childMs: after.childMs - before[a.key].childMs,
        kids: seenChildren[a.key].size,
      };
    });
    const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
    const out = [
      `window ${f(seconds, 0)} s after ${settleS} s settle, one round / scrape every ${intervalS} s, ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim()}, kernel ${os.release()}`,
      '',
      '| agent | RSS MB median (max) | anon / file MB | CPU over window | rounds | CPU ms per round | child CPU ms | child processes seen |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${f(r.rss)} (${f(r.rssMax)}) | ${f(r.anon)} / ${f(r.file)} | ${f(r.pct, 3)} % of a core | ${r.rounds} | ${f(r.perRound, 2)} | ${f(r.childMs, 0)} | ${r.kids} |`),
      '',
    ];
    const row = (k) => rows.find((r) => r.key === k);
    const [n, z] = [row('node'), row('zabbix')];
    for (const o of rows.filter((r) => r !== n && r !== z)) {
      out.push(`ratios, ${o.key} / node_exporter: RSS ${f(o.rss / n.rss, 2)}×, CPU per round ${f(o.perRound / n.perRound, 2)}×; / zabbix_agent2: RSS ${f(o.rss / z.rss, 2)}×, CPU per round ${f(o.perRound / z.perRound, 2)}×`);
    }
    process.stdout.write(`${out.join('\n')}\n\n`);
  } finally {
    stopping = true;
    clearInterval(timer);
    for (const s of servers) s.close();
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  // The cost of one round in isolation: this is the ≤ 5 ms budget, children included.
  const rc = JSON.parse(execFileSync(process.execPath, [join(here, 'round-cost.mjs'), '50', '200'], { encoding: 'utf8', cwd: join(repo, 'scripts') }));
  process.stdout.write(
    `one round in-process (${rc.rounds} rounds, ${rc.samplesPerRound} samples each): CPU mean ${rc.cpuMsMean.toFixed(2)} ms, p50 ${rc.cpuMsP50.toFixed(2)} ms, p95 ${rc.cpuMsP95.toFixed(2)} ms, max ${rc.cpuMsMax.toFixed(2)} ms; child processes ${rc.childProcesses}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`agent-footprint: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
