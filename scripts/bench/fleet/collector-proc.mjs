// The collector under test: the real binary with its own data directory, and
// what /proc says about it (CPU ticks, RSS) plus the machine's total CPU, so a
// run disturbed by other work on a shared box shows up in the numbers.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const COLLECTOR_BIN = join(ROOT, 'collector', 'bin', 'hallmonitor-collector.js');
const TICK = 100; // getconf CLK_TCK on Linux

export async function startCollector(configFile, dataDir) {
  // The collector runs as shipped (the systemd unit's V8 flags and malloc settings, runtime-tuning.ts);
  // HM_COLLECTOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds flags (profiles the collector of a run),
  // HM_COLLECTOR_UNTUNED=1 leaves the shipped settings out (to measure what they change).
  // HM_COLLECTOR_WRAP="heaptrack -o /tmp/ht" runs it under a wrapper (native allocations by call site); the
  // CPU and RSS columns then describe the wrapper process, not the collector.
  const tuning = process.env.HM_COLLECTOR_UNTUNED ? { COLLECTOR_NODE_FLAGS: [], COLLECTOR_ENV: {} } : await import(pathToFileURL(join(ROOT, 'collector', 'dist', 'service', 'runtime-tuning.js')).href);
  const nodeArgs = [...tuning.COLLECTOR_NODE_FLAGS, ...(process.env.HM_COLLECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const wrap = (process.env.HM_COLLECTOR_WRAP ?? '').split(' ').filter(Boolean);
  const child = spawn(wrap[0] ?? process.execPath, [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), ...nodeArgs, COLLECTOR_BIN, 'serve', '--config', configFile, '--data-dir', dataDir], { env: { ...process.env, ...tuning.COLLECTOR_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let partial = '';
  // Heap compactions the collector logged (heap-release.ts): when, and what each gave back.
  const compactions = [];
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  child.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.includes('"heap compacted"')) compactions.push({ at: Date.now(), ...JSON.parse(l) });
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('collector listening'));
      if (line) resolve(JSON.parse(line).url);
      if (out.length > 1e6) out = out.slice(-1e5);
    });
    child.once('exit', (c) => reject(new Error(`collector exited ${c}: ${err}${out.slice(-2000)}`)));
  });
  const cli = (...args) => JSON.parse(execFileSync(process.execPath, [COLLECTOR_BIN, ...args, '--config', configFile, '--data-dir', dataDir, '--json'], { encoding: 'utf8' }));
  return {
    child,
    url,
    ca: readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8'),
    token: (uses) => cli('token', 'create', '--uses', String(uses)).token,
    apiKey: (role) => cli('apikey', 'create', '--role', role).key,
    logTail: () => out.slice(-3000) + err,
    compactions: () => compactions,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** utime+stime of a process in seconds; with `children`, plus its waited-for children's (the poller's ping processes). */
export function cpuSeconds(pid, { children = false } = {}) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12]) + (children ? Number(rest[13]) + Number(rest[14]) : 0)) / TICK;
}

export function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** Busy and total CPU seconds of the whole machine (all cores). */
export function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}

/** Bytes the process caused to be written to storage (/proc/PID/io write_bytes): what wears a closet server's SSD. */
export function writeBytes(pid) {
  return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
}

export function fileBytes(dataDir) {
  let n = 0;
  for (const f of ['hallmonitor.db', 'hallmonitor.db-wal']) {
    try {
      n += statSync(join(dataDir, f)).size;
    } catch {
      // not there (yet)
    }
  }
  return n;
}
