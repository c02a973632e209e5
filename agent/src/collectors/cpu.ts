import os from 'node:os';
import { METRICS } from '@hallmonitor/shared';
import { cpuUsagePercent, parseProcStat, type CpuTimes } from '../parsers/proc-stat.js';
import type { Collector, CollectResult } from './collector.js';
import type { CollectorDeps } from './deps.js';

/** Aggregate times from Node's own counters: libuv reads them without a child process on Windows and macOS. */
function osCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times: t } of os.cpus()) {
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

/**
 * CPU busy percentage since the previous round, from /proc/stat on Linux (it
 * splits out iowait and steal) and os.cpus() elsewhere. No child process. The
 * first round only primes the counter and reports nothing.
 */
export function createCpuCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  let prev: CpuTimes | undefined;
  return {
    name: 'cpu',
    async collect({ now }): Promise<CollectResult> {
      const next = deps.platform === 'linux' ? parseProcStat(await deps.fs.readText('proc/stat')) : osCpuTimes();
      const pct = prev ? cpuUsagePercent(prev, next) : undefined;
      prev = next;
      return { samples: pct === undefined ? [] : [{ name: METRICS.cpuUsagePercent, labels: {}, value: round2(pct), timestamp: now }] };
    },
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
