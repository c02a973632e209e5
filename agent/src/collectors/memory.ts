import os from 'node:os';
import { METRICS } from '@hallmonitor/shared';
import { parseMeminfo } from '../parsers/meminfo.js';
import type { Collector, CollectResult } from './collector.js';
import { round2 } from './cpu.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import { loadSystemInformation } from './si.js';

interface Mem {
  readonly total: number;
  readonly available: number;
}

/**
 * Physical memory. Linux reads /proc/meminfo (MemAvailable counts reclaimable
 * cache). Windows' os.freemem() is already "available". macOS' free page count
 * leaves out inactive pages, so there systeminformation (vm_stat) is used, at
 * most once a minute because it spawns.
 */
export function createMemoryCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  const macMem = cachedFor(60_000, async (): Promise<Mem> => {
    const m = await (await loadSystemInformation()).mem();
    return { total: m.total, available: m.available };
  });
  const read = async (): Promise<Mem> => {
    if (deps.platform === 'linux') {
      const m = parseMeminfo(await deps.fs.readText('proc/meminfo'));
      return { total: m.totalBytes, available: m.availableBytes };
    }
    if (deps.platform === 'darwin') return macMem();
    return { total: os.totalmem(), available: os.freemem() };
  };
  return {
    name: 'memory',
    async collect({ now }): Promise<CollectResult> {
      const m = await read();
      const usedPct = m.total > 0 ? ((m.total - m.available) / m.total) * 100 : 0;
      return {
        samples: [
          { name: METRICS.memoryUsedPercent, labels: {}, value: round2(usedPct), timestamp: now },
          { name: METRICS.memoryAvailableBytes, labels: {}, value: m.available, timestamp: now },
          { name: METRICS.memoryTotalBytes, labels: {}, value: m.total, timestamp: now },
        ],
        facts: { memoryBytes: m.total },
      };
    },
  };
}
