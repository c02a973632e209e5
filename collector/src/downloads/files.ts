import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The self-contained agent executables, by the platform key the agent computes (`${platform}-${arch}`). */
export const AGENT_EXECUTABLES: Readonly<Record<string, string>> = Object.freeze({
  'linux-x64': 'hallmonitor-agent-linux-x64',
  'linux-arm64': 'hallmonitor-agent-linux-arm64',
  'win32-x64': 'hallmonitor-agent-windows-x64.exe',
});

export const INSTALL_SCRIPTS = Object.freeze({ sh: 'install-agent.sh', ps1: 'install-agent.ps1' });

/** The service wrapper for Windows; we cannot fetch it, the admin drops it into the downloads dir. */
export const WINSW_FILE = 'WinSW-x64.exe';

/** File names we serve: no path separators, no dot files, no half-written `.tmp` files. */
export const SERVABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The repository's own copies, used when the downloads dir has none (a checkout that has not run the agent build). */
export const REPO_INSTALL_DIR = join(REPO_ROOT, 'scripts', 'install');
export const REPO_BUILD_DIR = join(REPO_ROOT, 'dist', 'agent-bin');

/**
 * Which directory to serve. A configured one always wins (even if empty, so a
 * mistake shows as 404s rather than silently serving something else).
 */
export function resolveDownloadsDir(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const own = join(dataDir, 'downloads');
  if (existsSync(own)) return own;
  if (existsSync(REPO_BUILD_DIR)) return REPO_BUILD_DIR;
  return own;
}
