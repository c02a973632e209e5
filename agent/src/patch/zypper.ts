import { NotApplicableError } from '../collectors/collector.js';
import { mtimeOptional, type HostFs } from '../collectors/proc-source.js';
import { rpmLastInstall, runTool } from './dnf.js';
import { parseZypperListUpdatesXml, parseZypperPatchCheck } from './zypper-parse.js';
import { type FastPatchState, type PatchCheckContext, type PatchFindings, type PatchSource } from './types.js';

/** zypper's informational exit codes: 100 patches, 101 security patches, 102 reboot, 103 restart zypper, 106 repos skipped. */
const ZYPPER_OK = new Set([0, 100, 101, 102, 103, 106]);

/** SUSE and openSUSE. `--no-refresh` keeps zypper off the network. */
export const zypperSource: PatchSource = {
  name: 'zypper',
  async check(ctx: PatchCheckContext): Promise<PatchFindings> {
    if (ctx.platform !== 'linux') throw new NotApplicableError('zypper exists only on Linux');
    const pc = await runTool(ctx, 'zypper', ['--non-interactive', '--no-refresh', 'patch-check']);
    if (pc.code === null || !ZYPPER_OK.has(pc.code)) throw new Error(`zypper patch-check exited with ${pc.code}`);
    const patches = parseZypperPatchCheck(pc.stdout);
    const lu = await runTool(ctx, 'zypper', ['--non-interactive', '--no-refresh', '--xmlout', 'list-updates']);
    const pending = lu.code !== null && ZYPPER_OK.has(lu.code) ? parseZypperListUpdatesXml(lu.stdout) : undefined;
    const nr = await runTool(ctx, 'zypper', ['--non-interactive', 'needs-rebooting']);
    const lastInstallAt = await rpmLastInstall(ctx);
    return {
      ...(pending !== undefined ? { pending } : patches ? { pending: patches.patches } : {}),
      ...(patches ? { security: patches.security } : {}),
      // needs-rebooting: 102 = reboot needed, 0 = not; older zypper lacks the command.
      ...(nr.code === 102 ? { rebootRequired: true, rebootSources: ['needs-rebooting'] } : nr.code === 0 ? { rebootRequired: false, rebootSources: [] } : {}),
      ...(lastInstallAt !== undefined ? { lastInstallAt } : {}),
      ...(patches ? { extra: { patchPendingPatches: patches.patches } } : {}),
    };
  },
  async fast(fs: HostFs): Promise<FastPatchState> {
    const flag = (await mtimeOptional(fs, 'run/reboot-needed')) !== undefined;
    const lastSearchAt = await mtimeOptional(fs, 'var/cache/zypp/raw');
    const changedAt = (await mtimeOptional(fs, 'usr/lib/sysimage/rpm/rpmdb.sqlite')) ?? (await mtimeOptional(fs, 'var/lib/rpm/Packages'));
    return {
      ...(flag ? { rebootRequired: true, rebootSources: ['reboot-needed'] } : {}),
      ...(lastSearchAt !== undefined ? { lastSearchAt } : {}),
      ...(changedAt !== undefined ? { changedAt } : {}),
    };
  },
};
