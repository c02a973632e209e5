// Agent footprint beside Debian's prometheus-node-exporter and zabbix-agent2:
// all three run on this machine over the same window; RSS from /proc/PID/status,
// CPU from every thread's /proc/PID/task/*/schedstat plus reaped children
// (cutime+cstime), child processes seen under each daemon. Prints a table with
// ratios, then the in-process cost of one collection round (round-cost.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '@hallmonitor/shared';

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
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
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

/**
 * The release executables are one esbuild bundle (see research/patch-level.md,
 * "Single executable"); module loading for ~40 files and six packages costs the
 * unbundled workspace build ~15 MB of RSS. esbuild comes with vitest's toolchain.
 */
async function buildBundle(outDir) {
  let esbuild;
  try {
    const req = createRequire(createRequire(join(repo, 'package.json')).resolve('vitest/package.json'));
    esbuild = await import(req.resolve('esbuild', { paths: [dirname(req.resolve('vite'))] }));
  } catch {
    return undefined;
  }
  const outfile = join(outDir, 'hallmonitor-agent.mjs');
  await (esbuild.default ?? esbuild).build({
    entryPoints: [join(repo, 'agent', 'dist', 'cli', 'main.js')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    banner: { js: "import { createRequire as __hmRequire } from 'node:module'; const require = __hmRequire(import.meta.url);" },
  });
  const launcher = join(outDir, 'launch.mjs');
  writeFileSync(launcher, `import { main } from './hallmonitor-agent.mjs';\nmain(process.argv).then((c) => { if (typeof c === 'number') process.exitCode = c; });\n`);
  return launcher;
}

const physicalIface = () => readdirSync('/sys/class/net').find((n) => !existsSync(`/sys/devices/virtual/net/${n}`)) ?? 'lo';

async function main() {
  ensurePeers();
  const work = mkdtempSync(join(os.tmpdir(), 'hm-footprint-'));
  const procs = [];
  let stopping = false;
  let wss;
  let timer;
  try {
    // Our agent, reporting to a minimal in-process collector that welcomes and acks.
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const rounds = { ours: 0, bundle: 0, node: 0, zabbix: 0 };
    let counting = false;
    wss.on('connection', (ws) => {
      let who = 'ours';
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString());
        if (m.type === 'hello') who = m.agentId === 'bench-bundle' ? 'bundle' : 'ours';
        if (m.type === 'hello') ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'welcome', acceptedVersion: PROTOCOL_VERSION, agentId: m.agentId, highWaterSeq: 0, settings: {} }));
        if (m.type === 'metrics') {
          if (counting) rounds[who]++;
          ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'ack', epoch: m.epoch, seq: m.seq }));
        }
      });
    });
    const agentConfig = (id) => {
      const cfg = join(work, `${id}.yaml`);
      writeFileSync(
        cfg,
        `collector:\n  url: ws://127.0.0.1:${wss.address().port}\nagent:\n  id: ${id}\n  credential: bench-credential-0123456789\ninterval: ${intervalS}s\ndataDir: ${join(work, `${id}-data`)}\nlog:\n  level: warn\n`,
      );
      return cfg;
    };
    const ours = spawn(process.execPath, [join(repo, 'agent', 'bin', 'hallmonitor-agent.js'), 'run', '--config', agentConfig('bench-agent')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const launcher = await buildBundle(work);
    const bundled = launcher ? spawn(process.execPath, [launcher, 'run', '--config', agentConfig('bench-bundle')], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
    if (!bundled) process.stderr.write('esbuild not found: measuring the workspace build only\n');

    const nodePort = await freePort();
    const nodeExp = spawn('/usr/bin/prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`], { stdio: 'ignore' });

    const zbxPort = await freePort();
    const zconf = join(work, 'zabbix_agent2.conf');
    writeFileSync(
      zconf,
      `Server=127.0.0.1\nServerActive=\nListenIP=127.0.0.1\nListenPort=${zbxPort}\nHostname=bench\nLogType=file\nLogFile=${join(work, 'zabbix.log')}\nPidFile=${join(work, 'zabbix.pid')}\nControlSocket=${join(work, 'zabbix.sock')}\nInclude=/etc/zabbix/zabbix_agent2.d/plugins.d/*.conf\n`,
    );
    const zabbix = spawn('/usr/sbin/zabbix_agent2', ['-c', zconf, '-f'], { stdio: ['ignore', 'ignore', 'inherit'] });
    procs.push(ours, nodeExp, zabbix, ...(bundled ? [bundled] : []));
    for (const [name, p] of [['hallmonitor-agent', ours], ['hallmonitor-agent bundle', bundled], ['prometheus-node-exporter', nodeExp], ['zabbix_agent2', zabbix]].filter(([, p]) => p)) {
      p.on('exit', (code, signal) => {
        if (stopping) return;
        const log = name === 'zabbix_agent2' && existsSync(join(work, 'zabbix.log')) ? readFileSync(join(work, 'zabbix.log'), 'utf8').trim().split('\n').slice(-3).join('\n') : '';
        process.stderr.write(`agent-footprint: ${name} exited early (${signal ?? code})\n${log}\n`);
      });
    }

    const iface = physicalIface();
    const zbxItems = ['system.cpu.util', 'system.cpu.load[all,avg1]', 'vm.memory.size[pavailable]', 'vm.memory.size[available]', 'system.swap.size[,pfree]', 'system.uptime', 'vfs.fs.size[/,pused]', 'vfs.fs.size[/,free]', `net.if.in[${iface}]`, `net.if.out[${iface}]`];
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${nodePort}/metrics`).then((r) => r.text()).catch(() => '');
      if (counting && res) rounds.node++;
      let ok = 0;
      for (const k of zbxItems) if (await zabbixGet(zbxPort, k).catch(() => '')) ok++;
      if (counting && ok) rounds.zabbix++;
    };
    timer = setInterval(() => void scrape(), intervalS * 1000);
    process.stderr.write(`settling ${settleS} s, then measuring ${windowS} s (interval ${intervalS} s)…\n`);
    await new Promise((r) => setTimeout(r, settleS * 1000));

    const pids = { ours: ours.pid, ...(bundled ? { bundle: bundled.pid } : {}), node: nodeExp.pid, zabbix: zabbix.pid };
    const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuNs(p)]));
    const rssMax = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
    const seenChildren = Object.fromEntries(Object.keys(pids).map((k) => [k, new Set()]));
    counting = true;
    const started = Date.now();
    while (Date.now() - started < windowS * 1000) {
      for (const [k, p] of Object.entries(pids)) {
        rssMax[k] = Math.max(rssMax[k], rssMb(p));
        for (const c of children(p)) seenChildren[k].add(c);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    counting = false;
    const seconds = (Date.now() - started) / 1000;
    clearInterval(timer);
    const rows = Object.entries(pids).map(([k, p]) => {
      const a = cpuNs(p);
      const cpuMs = (a.ns - before[k].ns) / 1e6 + (a.childMs - before[k].childMs);
      return { k, rss: rssMb(p), rssMax: rssMax[k], cpuMs, pct: (cpuMs / 1000 / seconds) * 100, rounds: rounds[k], perRound: rounds[k] ? cpuMs / rounds[k] : NaN, childMs: a.childMs - before[k].childMs, kids: seenChildren[k].size };
    });
    const names = { ours: 'hallmonitor-agent, workspace build (Node 20)', bundle: 'hallmonitor-agent, esbuild bundle (Node 20)', node: 'prometheus-node-exporter 1.5', zabbix: `zabbix_agent2 6.0 (${zbxItems.length} items)` };
    const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
    const out = [
      `window ${f(seconds, 0)} s after ${settleS} s settle, one round / scrape every ${intervalS} s, ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim()}`,
      '',
      '| agent | RSS MB (end / max) | CPU over window | rounds | CPU ms per round | child CPU ms | child processes seen |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${names[r.k]} | ${f(r.rss)} / ${f(r.rssMax)} | ${f(r.pct, 3)} % of a core | ${r.rounds} | ${f(r.perRound, 2)} | ${f(r.childMs, 0)} | ${r.kids} |`),
      '',
    ];
    const row = (k) => rows.find((r) => r.k === k);
    const [n, z] = [row('node'), row('zabbix')];
    for (const o of [row('ours'), row('bundle')].filter(Boolean)) {
      const label = o.k === 'bundle' ? 'bundle' : 'workspace';
      out.push(`ratios, hallmonitor (${label}) / node_exporter: RSS ${f(o.rss / n.rss, 2)}×, CPU per round ${f(o.perRound / n.perRound, 2)}×`);
      out.push(`ratios, hallmonitor (${label}) / zabbix_agent2:  RSS ${f(o.rss / z.rss, 2)}×, CPU per round ${f(o.perRound / z.perRound, 2)}×`);
    }
    process.stdout.write(`${out.join('\n')}\n\n`);
  } finally {
    stopping = true;
    clearInterval(timer);
    wss?.close();
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
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
