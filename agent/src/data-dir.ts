import { access, constants, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

/** Where the agent keeps state when the config names no dataDir. */
export function defaultAgentDataDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'Hallmonitor', 'agent');
  if (platform === 'darwin') return '/Library/Application Support/Hallmonitor/agent';
  return '/var/lib/hallmonitor-agent';
}

async function usable(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first writable directory of: the configured one, the platform default, a
 * per-user directory under the OS temp dir. Never throws: an agent started by a
 * technician without root still runs, it just caches in /tmp.
 */
export async function resolveDataDir(configured?: string): Promise<string> {
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'service';
  const candidates = [configured, defaultAgentDataDir(), join(os.tmpdir(), `hallmonitor-agent-${uid}`)];
  for (const dir of candidates) {
    if (dir && (await usable(dir))) return dir;
  }
  return os.tmpdir();
}
