import { NotApplicableError } from '../collectors/collector.js';
import { runTool } from './dnf.js';
import { lastSoftwareUpdateInstall, parseSoftwareUpdateDefaults } from './macos-parse.js';
import type { PatchCheckContext, PatchFindings, PatchSource } from './types.js';

/**
 * macOS from Software Update's preferences, which are instant; `softwareupdate -l`
 * would go to the network and take ~30 s. Security = recommended updates whose
 * name says so (Security Update, Rapid/Background Security Response): macOS
 * publishes no classification. macOS has no reboot-pending flag to read.
 */
export const macosSource: PatchSource = {
  name: 'macos',
  async check(ctx: PatchCheckContext): Promise<PatchFindings> {
    if (ctx.platform !== 'darwin') throw new NotApplicableError('Software Update exists only on macOS');
    const d = await runTool(ctx, 'defaults', ['read', '/Library/Preferences/com.apple.SoftwareUpdate']);
    if (d.code !== 0) throw new Error(`defaults read exited with ${d.code}`);
    const prefs = parseSoftwareUpdateDefaults(d.stdout);
    const hist = await runTool(ctx, 'plutil', ['-convert', 'json', '-o', '-', '/Library/Receipts/InstallHistory.plist']);
    const lastInstallAt = hist.code === 0 ? lastSoftwareUpdateInstall(hist.stdout) : undefined;
    const pending = prefs.lastRecommendedUpdatesAvailable ?? prefs.lastUpdatesAvailable;
    return {
      ...(pending !== undefined ? { pending } : {}),
      security: prefs.recommendedDisplayNames.filter((n) => /security/i.test(n)).length,
      ...(lastInstallAt !== undefined ? { lastInstallAt } : {}),
      ...(prefs.lastSuccessfulDate !== undefined ? { lastSearchAt: prefs.lastSuccessfulDate } : {}),
    };
  },
};
