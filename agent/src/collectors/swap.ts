import { METRICS } from '@hallmonitor/shared';
import { parseMeminfo } from '../parsers/meminfo.js';
import type { Collector, CollectResult } from './collector.js';
import { round2 } from './cpu.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import { loadSystemInformation } from './si.js';

/**
 * Swap (Windows: page file) use. Linux reads /proc/meminfo; elsewhere
 * systeminformation, refreshed at most once a minute because it spawns.
 * No swap configured reports 0 %, which is what an alert rule wants.
 */
export function createSwapCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  const viaSi = cachedFor(60_000, async (): Promise<{ total: number; used: number }> => {
    const m = await (await loadSystemInformation()).mem();
    return { total: m.swaptotal, used: m.swapused };
  });
  return {
    name: 'swap',
    async collect({ now }): Promise<CollectResult> {
      let total: number;
      let used: number;
      if (deps.platform === 'linux') {
        const m = parseMeminfo(await deps.fs.readText('proc/meminfo'));
        total = m.swapTotalBytes;
        used = m.swapTotalBytes - m.swapFreeBytes;
      } else {
        ({ total, used } = await viaSi());
      }
      const pct = total > 0 ? (used / total) * 100 : 0;
      return { samples: [{ name: METRICS.swapUsedPercent, labels: {}, value: round2(pct), timestamp: now }] };
    },
  };
}
