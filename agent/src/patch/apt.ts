import { gunzipSync } from 'node:zlib';
import { NotApplicableError } from '../collectors/collector.js';
import { mtimeOptional, type HostFs } from '../collectors/proc-source.js';
import { CommandNotFoundError } from '../exec.js';
import { parseAptSimulation } from './apt-parse.js';
import { lastInstallFromDpkgLog, lastInstallFromHistory, rotatedLogs } from './apt-logs.js';
import { kernelRebootPending } from './kernel.js';
import { toolEnv, type FastPatchState, type PatchCheckContext, type PatchFindings, type PatchSource } from './types.js';

/**
 * Debian and Ubuntu. A simulated dist-upgrade computes what is pending from the
 * lists already on disk: it needs no root, takes no lock and never refreshes the
 * lists (the agent never runs `apt update`; the lists' age is reported instead).
 */
export const aptSource: PatchSource = {
  name: 'apt',
  async check(ctx: PatchCheckContext): Promise<PatchFindings> {
    if (ctx.platform !== 'linux') throw new NotApplicableError('apt exists only on Linux');
    let res;
    try {
      res = await ctx.exec('apt-get', ['-s', '-q', '-o', 'Debug::NoLocking=true', '-o', 'APT::Get::Show-User-Simulation-Note=false', 'dist-upgrade'], {
        timeoutMs: ctx.timeoutMs,
        env: toolEnv(ctx.env),
        signal: ctx.signal,
      });
    } catch (err) {
      if (err instanceof CommandNotFoundError) throw new NotApplicableError('apt-get is not installed');
      throw err;
    }
    if (res.code !== 0) throw new Error(`apt-get -s dist-upgrade exited with ${res.code}`);
    const upgrades = parseAptSimulation(res.stdout);
    const lastInstallAt = await lastInstall(ctx.fs);
    return {
      pending: upgrades.length,
      security: upgrades.filter((u) => u.security).length,
      ...(lastInstallAt !== undefined ? { lastInstallAt } : {}),
    };
  },
  fast: aptFast,
};

/** Reboot flags and list age: file metadata only, read every round. */
export async function aptFast(fs: HostFs, kernelRelease: string): Promise<FastPatchState> {
  const sources: string[] = [];
  if ((await mtimeOptional(fs, 'run/reboot-required')) !== undefined) sources.push('reboot-required');
  if (await kernelRebootPending(fs, kernelRelease)) sources.push('kernel');
  // update-success-stamp is touched only after a complete refresh (Ubuntu, unattended-upgrades);
  // the lists directory's mtime changes whenever apt replaces an index.
  const lastSearchAt =
    (await mtimeOptional(fs, 'var/lib/apt/periodic/update-success-stamp')) ??
    (await mtimeOptional(fs, 'var/lib/apt/periodic/update-stamp')) ??
    (await mtimeOptional(fs, 'var/lib/apt/lists'));
  const changedAt = Math.max((await mtimeOptional(fs, 'var/lib/dpkg/status')) ?? 0, (await mtimeOptional(fs, 'var/lib/apt/lists')) ?? 0);
  return {
    rebootRequired: sources.length > 0,
    rebootSources: sources,
    ...(lastSearchAt !== undefined ? { lastSearchAt } : {}),
    ...(changedAt > 0 ? { changedAt } : {}),
  };
}

/** Newest install across apt's history and dpkg's log, reading rotated files only until one has an answer. */
async function lastInstall(fs: HostFs): Promise<number | undefined> {
  const fromHistory = await newestInLogs(fs, 'var/log/apt', 'history.log', lastInstallFromHistory);
  const fromDpkg = await newestInLogs(fs, 'var/log', 'dpkg.log', lastInstallFromDpkgLog);
  if (fromHistory === undefined) return fromDpkg;
  if (fromDpkg === undefined) return fromHistory;
  return Math.max(fromHistory, fromDpkg);
}

async function newestInLogs(fs: HostFs, dir: string, base: string, parse: (text: string) => number | undefined): Promise<number | undefined> {
  let names: string[];
  try {
    names = await fs.readDir(dir);
  } catch {
    return undefined; // no logs, or not readable by this user: not fatal
  }
  for (const name of rotatedLogs(names, base)) {
    try {
      const raw = await fs.readBytes(`${dir}/${name}`);
      const t = parse((name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
      if (t !== undefined) return t;
    } catch {
      // A truncated or unreadable rotation: try the next one.
    }
  }
  return undefined;
}
