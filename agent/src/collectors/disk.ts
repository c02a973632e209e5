import { statfs } from 'node:fs/promises';
import { METRICS } from '@hallmonitor/shared';
import { PERSONAL_MOUNT, parseMounts } from '../parsers/mounts.js';
import type { Collector, CollectResult, Sample } from './collector.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import { loadSystemInformation } from './si.js';

type StatFs = { bsize: number; blocks: number; bfree: number; bavail: number };

/** macOS system volumes that share the container with / or hold no user data. */
const MAC_SKIP = /^\/(System\/Volumes\/(VM|Preboot|Update|xarts|iSCPreboot|Hardware)|private\/var\/vm)(\/|$)|^\/Volumes\/com\.apple/;

/**
 * Usage of each real filesystem. Linux: mounts from /proc/self/mounts (pseudo
 * filesystems, snaps, overlays, tmpfs skipped), sizes from statfs(2).
 * Windows/macOS: the volume list from systeminformation, refreshed every 10
 * minutes because it spawns; sizes from statfs every round, which does not.
 * Used percent follows `df`: used / (used + available to non-root).
 */
export function createDiskCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  const otherMounts = cachedFor(600_000, async (): Promise<string[]> => {
    const list = await (await loadSystemInformation()).fsSize();
    return list.map((f) => f.mount).filter((m) => m && !MAC_SKIP.test(m) && !PERSONAL_MOUNT.test(m));
  });
  const mounts = async (): Promise<string[]> => (deps.platform === 'linux' ? parseMounts(await deps.fs.readText('proc/self/mounts')).map((m) => m.mount) : otherMounts());
  const stat = (mount: string): Promise<StatFs> => (deps.platform === 'linux' ? deps.fs.statfs(mount) : statfs(deps.platform === 'win32' && /^[A-Z]:$/i.test(mount) ? `${mount}\\` : mount));
  return {
    name: 'disk',
    async collect({ now }): Promise<CollectResult> {
      const samples: Sample[] = [];
      for (const mount of await mounts()) {
        let st: StatFs;
        try {
          st = await stat(mount);
        } catch {
          continue; // an unreadable or vanished mount is skipped, not fatal
        }
        const total = st.blocks * st.bsize;
        if (total <= 0) continue;
        const free = st.bavail * st.bsize;
        const used = (st.blocks - st.bfree) * st.bsize;
        const pct = used + free > 0 ? (used / (used + free)) * 100 : 0;
        const labels = { mount };
        samples.push(
          { name: METRICS.diskUsedPercent, labels, value: Math.round(pct * 100) / 100, timestamp: now },
          { name: METRICS.diskFreeBytes, labels, value: free, timestamp: now },
          { name: METRICS.diskTotalBytes, labels, value: total, timestamp: now },
        );
      }
      return { samples };
    },
  };
}
