import { NotApplicableError } from '../collectors/collector.js';
import { mtimeOptional, type HostFs } from '../collectors/proc-source.js';
import { CommandNotFoundError, type ExecResult } from '../exec.js';
import { kernelRebootPending } from './kernel.js';
import { lastRpmInstall, parseDnfCheckUpdate, parseDnfSecurityList, parseNeedsRestarting } from './rpm-parse.js';
import { toolEnv, type FastPatchState, type PatchCheckContext, type PatchFindings, type PatchSource } from './types.js';

/** Runs a tool; a missing program makes the whole source not applicable. */
export async function runTool(ctx: PatchCheckContext, cmd: string, args: readonly string[]): Promise<ExecResult> {
  try {
    return await ctx.exec(cmd, args, { timeoutMs: ctx.timeoutMs, env: toolEnv(ctx.env), signal: ctx.signal });
  } catch (err) {
    if (err instanceof CommandNotFoundError) throw new NotApplicableError(`${cmd} is not installed`);
    throw err;
  }
}

/** Like runTool, but an optional helper that is missing or fails yields undefined. */
async function tryTool(ctx: PatchCheckContext, cmd: string, args: readonly string[]): Promise<ExecResult | undefined> {
  try {
    return await runTool(ctx, cmd, args);
  } catch (err) {
    if (err instanceof NotApplicableError) return undefined;
    throw err; // timeouts and aborts still end the check
  }
}

export async function rpmLastInstall(ctx: PatchCheckContext): Promise<number | undefined> {
  const res = await tryTool(ctx, 'rpm', ['-qa', '--qf', '%{INSTALLTIME}\\n']);
  return res && res.code === 0 ? lastRpmInstall(res.stdout) : undefined;
}

/**
 * RHEL, Rocky, Alma, Fedora. `--cacheonly` keeps dnf off the network: the agent
 * reports from the metadata the system's own timer refreshed.
 */
export const dnfSource: PatchSource = {
  name: 'dnf',
  async check(ctx: PatchCheckContext): Promise<PatchFindings> {
    if (ctx.platform !== 'linux') throw new NotApplicableError('dnf exists only on Linux');
    const upd = await runTool(ctx, 'dnf', ['-q', '--cacheonly', 'check-update']);
    // 100: updates available, 0: none, anything else (1): an error such as no cached metadata.
    if (upd.code !== 0 && upd.code !== 100) throw new Error(`dnf check-update exited with ${upd.code}`);
    const pending = upd.code === 0 ? 0 : parseDnfCheckUpdate(upd.stdout);
    const sec = await tryTool(ctx, 'dnf', ['-q', '--cacheonly', 'updateinfo', 'list', '--security']);
    const nr = await tryTool(ctx, 'dnf', ['-q', '--cacheonly', 'needs-restarting', '-r']);
    const reboot = nr ? parseNeedsRestarting(`${nr.stdout}\n${nr.stderr}`) : undefined;
    const lastInstallAt = await rpmLastInstall(ctx);
    return {
      pending,
      ...(sec && sec.code === 0 ? { security: parseDnfSecurityList(sec.stdout) } : {}),
      ...(reboot !== undefined ? { rebootRequired: reboot, rebootSources: reboot ? ['needs-restarting'] : [] } : {}),
      ...(lastInstallAt !== undefined ? { lastInstallAt } : {}),
    };
  },
  async fast(fs: HostFs, kernelRelease: string): Promise<FastPatchState> {
    const lastSearchAt =
      (await mtimeOptional(fs, 'var/cache/dnf/last_makecache')) ??
      (await mtimeOptional(fs, 'var/cache/libdnf5')) ??
      (await mtimeOptional(fs, 'var/cache/dnf'));
    const changedAt =
      (await mtimeOptional(fs, 'usr/lib/sysimage/rpm/rpmdb.sqlite')) ?? (await mtimeOptional(fs, 'var/lib/rpm/rpmdb.sqlite')) ?? (await mtimeOptional(fs, 'var/lib/rpm/Packages'));
    // needs-restarting is a command, so its answer comes from the slow check; a newer kernel is visible from files.
    const kernel = await kernelRebootPending(fs, kernelRelease);
    return {
      ...(kernel ? { rebootRequired: true, rebootSources: ['kernel'] } : {}),
      ...(lastSearchAt !== undefined ? { lastSearchAt } : {}),
      ...(changedAt !== undefined ? { changedAt } : {}),
    };
  },
};
