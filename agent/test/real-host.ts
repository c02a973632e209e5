import { execFileSync, spawnSync } from 'node:child_process';

/** Why the tests that change this machine (apt, users) cannot run here, or undefined when they can. */
export function realHostSkipReason(needs: readonly string[]): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (it installs a package / creates a user)';
  for (const cmd of needs) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `needs ${cmd}`;
  }
  return undefined;
}

/** Runs a command, retrying while another apt/dpkg holds the lock (the machine is shared). */
export function runRetrying(cmd: string, args: readonly string[], tries = 30): string {
  for (let i = 1; ; i++) {
    try {
      return execFileSync(cmd, args as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (i >= tries || !/lock/i.test(text)) throw new Error(`${cmd} ${args.join(' ')} failed: ${text}`);
      execFileSync('sleep', ['2']);
    }
  }
}
