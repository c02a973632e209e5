import { spawn } from 'node:child_process';

export interface ExecOptions {
  /** Hard limit: past it the whole process tree is killed. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit code; null when killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (never through a shell) and returns its exit code and output. */
export type Exec = (command: string, args: readonly string[], opts: ExecOptions) => Promise<ExecResult>;

/** The program is not installed: its source is "not applicable" here, not broken. */
export class CommandNotFoundError extends Error {
  readonly code = 'HM_AGENT_NOT_APPLICABLE';
  constructor(command: string) {
    super(`${command} is not installed`);
    this.name = 'CommandNotFoundError';
  }
}

export class CommandTimeoutError extends Error {
  constructor(command: string, timeoutMs: number) {
    super(`${command} killed after ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

/** Output past this is dropped: a runaway tool must not grow the agent's memory. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * Kills a whole process tree. On POSIX the child leads its own process group
 * (spawned detached), so one signal to -pid reaches every grandchild — `apt-get`
 * and `dnf` fork helpers that a plain kill would orphan. Windows has no groups:
 * `taskkill /T` walks the tree.
 */
export function killTree(pid: number): void {
  try {
    if (process.platform === 'win32') {
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    } else {
      process.kill(-pid, 'SIGKILL');
    }
  } catch {
    // Already gone.
  }
}

/** The real exec: spawn detached, collect bounded output, kill the tree on timeout or abort. */
export const realExec: Exec = (command, args, opts) =>
  new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, args as string[], {
      detached: process.platform !== 'win32',
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const take = (into: Buffer[]) => (b: Buffer): void => {
      if (size >= MAX_OUTPUT_BYTES) return;
      size += b.length;
      into.push(b);
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    let failure: Error | undefined;
    const kill = (why: Error): void => {
      failure ??= why;
      if (child.pid !== undefined) killTree(child.pid);
    };
    const timer = setTimeout(() => kill(new CommandTimeoutError(command, opts.timeoutMs)), opts.timeoutMs);
    const onAbort = (): void => kill(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error(`${command} aborted`));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(e.code === 'ENOENT' ? new CommandNotFoundError(command) : e);
    });
    child.on('close', (code) => {
      done();
      if (failure) reject(failure);
      else resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
