import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const COLLECTOR_BIN = join(REPO_ROOT, 'collector', 'bin', 'hallmonitor-collector.js');
export const AGENT_BIN = join(REPO_ROOT, 'agent', 'bin', 'hallmonitor-agent.js');

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the first stdout/stderr line matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a real process and keeps everything it prints, for assertions and failure reports. */
export function startProcess(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners: Array<() => void> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners.slice()) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitForLine(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = out.split('\n').find((l) => re.test(l));
          if (line !== undefined) {
            cleanup();
            resolve(line);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          const i = listeners.indexOf(check as () => void);
          if (i >= 0) listeners.splice(i, 1);
        };
        if (!check()) listeners.push(check as () => void);
        void exited.then(() => {
          if (!check()) {
            cleanup();
            reject(new Error(`process exited before printing ${re}; output:\n${out.slice(-3000)}`));
          }
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a command to completion. */
export function runCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** GET/POST JSON against the collector API, trusting the collector's CA when given. */
export function apiRequest(url: string, opts: { key?: string; ca?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; json: unknown }> {
  const u = new URL(url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const fn = u.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(u, {
      method: opts.method ?? 'GET',
      headers: { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(opts.ca ? { ca: opts.ca, checkServerIdentity: () => undefined } : {}),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined }));
    });
    req.end(payload);
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
