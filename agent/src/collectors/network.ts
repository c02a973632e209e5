import { METRICS } from '@hallmonitor/shared';
import { counterRate, parseNetDev, type InterfaceCounters } from '../parsers/net-dev.js';
import type { Collector, CollectResult, Sample } from './collector.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import { loadSystemInformation } from './si.js';

interface Reading {
  readonly at: number;
  readonly counters: ReadonlyMap<string, InterfaceCounters>;
}

/**
 * Throughput per interface, from the change in byte counters since the last
 * round (the first round only primes). Linux reads /proc/net/dev and skips
 * every interface under /sys/devices/virtual/net (loopback, bridges, veth,
 * docker, tun, ifb); elsewhere systeminformation, skipping internal and
 * virtual adapters. `includeVirtualInterfaces` keeps them all.
 */
export function createNetworkCollector(deps: Pick<CollectorDeps, 'fs' | 'platform' | 'includeVirtualInterfaces'>): Collector {
  let prev: Reading | undefined;
  const virtualLinux = cachedFor(600_000, async (): Promise<Set<string>> => new Set(await deps.fs.readDir('sys/devices/virtual/net').catch(() => ['lo'])));
  const virtualSi = cachedFor(600_000, async (): Promise<Set<string>> => {
    const list = await (await loadSystemInformation()).networkInterfaces();
    return new Set((Array.isArray(list) ? list : [list]).filter((i) => i.internal || i.virtual).map((i) => i.iface));
  });
  const read = async (): Promise<Map<string, InterfaceCounters>> => {
    if (deps.platform === 'linux') return parseNetDev(await deps.fs.readText('proc/net/dev'));
    const stats = await (await loadSystemInformation()).networkStats('*');
    return new Map(stats.map((s) => [s.iface, { rxBytes: s.rx_bytes, txBytes: s.tx_bytes }]));
  };
  return {
    name: 'network',
    async collect({ now }): Promise<CollectResult> {
      const skip = deps.includeVirtualInterfaces ? new Set<string>() : await (deps.platform === 'linux' ? virtualLinux() : virtualSi());
      const counters = await read();
      for (const name of skip) counters.delete(name);
      const samples: Sample[] = [];
      if (prev) {
        const seconds = (now - prev.at) / 1000;
        for (const [iface, c] of counters) {
          const p = prev.counters.get(iface);
          if (!p) continue;
          const rx = counterRate(p.rxBytes, c.rxBytes, seconds);
          const tx = counterRate(p.txBytes, c.txBytes, seconds);
          const labels = { interface: iface };
          if (rx !== undefined) samples.push({ name: METRICS.networkReceiveBytesPerSecond, labels, value: Math.round(rx), timestamp: now });
          if (tx !== undefined) samples.push({ name: METRICS.networkTransmitBytesPerSecond, labels, value: Math.round(tx), timestamp: now });
        }
      }
      prev = { at: now, counters };
      return { samples };
    },
  };
}
