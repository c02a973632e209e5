// The AP poller: one real agent process (`hallmonitor-agent run`, the shipped
// binary) enrolled under the name the collector's `devices:` section assigns
// the simulated APs to. The collector hands it its devices in `welcome` (and
// in `settings` after a config reload); it polls them over SNMP on its own
// timer and sends every AP as a target of its own. Nothing here imitates the
// agent: this is the same process a closet server runs.
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/hallmonitor-agent.js', import.meta.url));

function run(args) {
  return new Promise((resolve) => execFile(process.execPath, args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr })));
}

/**
 * Enrolls (unless `dir` holds an earlier enrollment against the same collector)
 * and starts the poller agent. `dir` keeps its config (agent.yaml), data
 * directory (spool) and log (poller.log); without it a temp dir is used and
 * removed on stop. Resolves once the agent is connected to the collector.
 * Returns { pid, name, configFile, logFile, logTail(), newLogLines(), stop() }.
 */
export async function startApPoller({ url, token, name = 'closet-server', dir: given, timeoutMs = 60_000 }) {
  const dir = given ?? mkdtempSync(join(os.tmpdir(), 'hm-fleet-poller-'));
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'agent.yaml');
  const logFile = join(dir, 'poller.log');
  const reuse = existsSync(configFile) && readFileSync(configFile, 'utf8').includes(`url: ${url}\n`);
  if (!reuse) {
    if (!token) throw new Error(`AP poller ${name}: no enrollment in ${dir} for ${url}, and no token to enroll with`);
    rmSync(configFile, { force: true });
    const res = await run([AGENT_BIN, 'enroll', '--collector', url, '--token', token, '--config', configFile, '--name', name]);
    if (res.code !== 0) throw new Error(`AP poller ${name}: enroll failed: ${(res.stderr || res.stdout).trim()}`);
    // The enrolled config names no dataDir; as root the agent would use /var/lib/hallmonitor-agent.
    appendFileSync(configFile, `dataDir: ${JSON.stringify(join(dir, 'data'))}\n`);
  }
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [AGENT_BIN, 'run', '--config', configFile], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = (n = 3000) => readLog().slice(-n);
  // Offsets in characters of the log as read (a reused dir appends to the old log).
  let readUpTo = readLog().length;
  const startedAt = readUpTo;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = readLog().slice(startedAt);
    if (fresh.includes('"connected to collector"')) break;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`AP poller ${name} exited (${child.exitCode ?? child.signalCode}): ${fresh.trim().split('\n').slice(-3).join(' | ')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`AP poller ${name} did not connect to ${url} within ${timeoutMs / 1000} s: ${fresh.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid,
    name,
    configFile,
    logFile,
    logTail,
    /** Log lines at warn or above written since the last call (the poller's complaints: devices refused or not answering). */
    newLogLines() {
      const text = readLog();
      const lines = text.slice(readUpTo).split('\n');
      readUpTo = text.length - lines[lines.length - 1].length;
      return lines.slice(0, -1).filter((l) => {
        try {
          return JSON.parse(l).level >= 40;
        } catch {
          return l.trim() !== '';
        }
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
}
