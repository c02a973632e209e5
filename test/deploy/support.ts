import { copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCommand, startProcess, type RunningProcess } from '../support/processes.js';

export const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build-agent', 'build.mjs');
export const INSTALL_SH = join(REPO_ROOT, 'scripts', 'install', 'install-agent.sh');
export const INSTALL_PS1 = join(REPO_ROOT, 'scripts', 'install', 'install-agent.ps1');
export const AGENT_FILE = 'hallmonitor-agent-linux-x64';

/** Builds the Linux x64 single executable with the real build script (agent/dist must be built). */
export async function buildAgentExecutable(out: string, version: string, banner?: string): Promise<string> {
  const r = await runCommand(process.execPath, [BUILD_SCRIPT, '--targets', 'linux-x64', '--out', out, '--version', version, '--skip-tsc', ...(banner ? ['--banner', banner] : [])]);
  if (r.code !== 0) throw new Error(`build failed:\n${r.stderr}\n${r.stdout}`);
  return join(out, AGENT_FILE);
}

/** Publishes a build into the collector's downloads dir the way an admin would: files renamed into place. */
export function publish(buildDir: string, downloadsDir: string): void {
  for (const f of [AGENT_FILE, 'manifest.json', 'SHA256SUMS']) {
    copyFileSync(join(buildDir, f), join(downloadsDir, `.${f}.copy`));
    renameSync(join(downloadsDir, `.${f}.copy`), join(downloadsDir, f));
  }
}

/**
 * Restarts a command whenever it exits, as systemd's Restart=always does; the
 * agent's self-update relies on that. All output is kept across restarts.
 */
export class Supervisor {
  #proc: RunningProcess | undefined;
  #log = '';
  #stopping = false;
  readonly exits: Array<number | null> = [];

  constructor(
    private readonly cmd: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    const p = startProcess(this.cmd, this.args, this.env);
    this.#proc = p;
    p.child.once('exit', (code) => {
      this.#log += p.output();
      this.exits.push(code);
      if (!this.#stopping) setTimeout(() => !this.#stopping && this.start(), 300);
    });
  }

  output(): string {
    return this.#log + (this.#proc && this.#proc.child.exitCode === null ? this.#proc.output() : '');
  }

  /** Resolves once a line matching `re` appears after `after` characters of output. */
  async waitFor(re: RegExp, timeoutMs: number, after = 0): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = this.output();
      const m = re.exec(out.slice(after));
      if (m) return after + m.index + m[0].length;
      if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms; output:\n${out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#proc?.stop();
  }
}
