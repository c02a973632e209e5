import os from 'node:os';
import { METRICS } from '@hallmonitor/shared';
import { isoTime } from '../clock.js';
import { parseBootTime, parseUptime } from '../parsers/proc-misc.js';
import type { Collector, CollectResult } from './collector.js';
import type { CollectorDeps } from './deps.js';

/**
 * Seconds since boot (/proc/uptime on Linux, os.uptime() elsewhere) and the boot
 * time as a fact. Linux's btime is exact; elsewhere it is rounded to the minute
 * so the fact does not change every round.
 */
export function createUptimeCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  return {
    name: 'uptime',
    async collect({ now }): Promise<CollectResult> {
      let uptime: number;
      let bootMs: number;
      if (deps.platform === 'linux') {
        uptime = parseUptime(await deps.fs.readText('proc/uptime'));
        const btime = parseBootTime(await deps.fs.readText('proc/stat'));
        bootMs = btime !== undefined ? btime * 1000 : Math.round((now - uptime * 1000) / 60_000) * 60_000;
      } else {
        uptime = os.uptime();
        bootMs = Math.round((now - uptime * 1000) / 60_000) * 60_000;
      }
      return {
        samples: [{ name: METRICS.uptimeSeconds, labels: {}, value: Math.round(uptime), timestamp: now }],
        facts: { bootTime: isoTime(bootMs) },
      };
    },
  };
}
