import os from 'node:os';
import { METRICS } from '@hallmonitor/shared';
import { parseLoadavg } from '../parsers/proc-misc.js';
import { NotApplicableError, type Collector, type CollectResult } from './collector.js';
import type { CollectorDeps } from './deps.js';

/** Load averages: /proc/loadavg on Linux, os.loadavg() on macOS; Windows has none. */
export function createLoadCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  return {
    name: 'load',
    async collect({ now }): Promise<CollectResult> {
      if (deps.platform === 'win32') throw new NotApplicableError('Windows has no load average');
      const [l1, l5, l15] = deps.platform === 'linux' ? parseLoadavg(await deps.fs.readText('proc/loadavg')) : (os.loadavg() as [number, number, number]);
      return {
        samples: [
          { name: METRICS.load1, labels: {}, value: l1, timestamp: now },
          { name: METRICS.load5, labels: {}, value: l5, timestamp: now },
          { name: METRICS.load15, labels: {}, value: l15, timestamp: now },
        ],
      };
    },
  };
}
