// One collection round's cost, in-process: CPU of the agent's own threads
// (process.cpuUsage) plus reaped children (/proc/self/stat cutime+cstime), and
// every child process spawned (counted at ChildProcess.prototype.spawn, which
// spawn/exec/execFile all go through). Prints one JSON line.
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createCollectors, PatchRunner, PATCH_SOURCES, Scheduler } from '@hallmonitor/agent';

// The scheduler logs only on change; a silent stand-in keeps pino out of this package.
const silentLogger = { child: () => silentLogger, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

let spawns = 0;
const origSpawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function countedSpawn(...args) {
  spawns++;
  return origSpawn.apply(this, args);
};

const rounds = Number(process.argv[2] ?? 50);
const gapMs = Number(process.argv[3] ?? 200);
const TICK_MS = 10; // USER_HZ is 100 on Linux

function childTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]); // cutime cstime
}

const dataDir = process.env.HM_BENCH_DATA_DIR ?? mkdtempSync(join(os.tmpdir(), 'hm-round-cost-'));
const patchRunner = new PatchRunner({ sources: PATCH_SOURCES, dataDir });
// The slow patch check runs once, before measuring: it is not part of a round.
await patchRunner.ensureFresh();
const scheduler = new Scheduler({ collectors: createCollectors({ dataDir, patchRunner }), logger: silentLogger });
for (let i = 0; i < 5; i++) await scheduler.runRound(); // warm-up: JIT, sensor discovery, first rate readings

const cpuMs = [];
let samples = 0;
const spawnsBefore = spawns;
for (let i = 0; i < rounds; i++) {
  await new Promise((r) => setTimeout(r, gapMs));
  const c0 = process.cpuUsage();
  const k0 = childTicks();
  const round = await scheduler.runRound();
  const c1 = process.cpuUsage(c0);
  cpuMs.push((c1.user + c1.system) / 1000 + (childTicks() - k0) * TICK_MS);
  samples = round.samples.length;
}
await scheduler.close();
await patchRunner.stop();
if (!process.env.HM_BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
cpuMs.sort((a, b) => a - b);
const pick = (q) => cpuMs[Math.min(cpuMs.length - 1, Math.floor(q * cpuMs.length))];
const mean = cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length;
process.stdout.write(
  `${JSON.stringify({ rounds, samplesPerRound: samples, cpuMsMean: mean, cpuMsP50: pick(0.5), cpuMsP95: pick(0.95), cpuMsMax: cpuMs.at(-1), childProcesses: spawns - spawnsBefore, rssMb: process.memoryUsage().rss / 1048576 })}\n`,
);
