import os from 'node:os';
import { realExec, type Exec } from '../exec.js';
import type { PatchRunner } from '../patch/runner.js';
import type { Collector } from './collector.js';
import { createCpuCollector } from './cpu.js';
import type { CollectorDeps } from './deps.js';
import { createDiskCollector } from './disk.js';
import { createFactsCollector } from './facts.js';
import { createLoadCollector } from './load.js';
import { createMemoryCollector } from './memory.js';
import { createNetworkCollector } from './network.js';
import { createPatchCollector } from './patch.js';
import { createHostFs, type HostFs } from './proc-source.js';
import { createSwapCollector } from './swap.js';
import { createTemperatureCollector } from './temperature.js';
import { createUptimeCollector } from './uptime.js';

export interface RegistryOptions {
  /** Filesystem seam; tests point it at fixtures. */
  readonly fs?: HostFs;
  /** Command seam; tests feed captured output. */
  readonly exec?: Exec;
  readonly platform?: NodeJS.Platform;
  /** Collector names to leave out (config `collectors.disabled`). */
  readonly disabled?: readonly string[];
  /** Agent data directory (config `dataDir`): the patch cache lives there. */
  readonly dataDir?: string;
  /** A patch runner the caller already started (collect --once). */
  readonly patchRunner?: PatchRunner;
  readonly includeVirtualInterfaces?: boolean;
}

type Factory = (deps: CollectorDeps) => Collector;

/** Every built-in collector, by the name of its file. */
export const COLLECTOR_FACTORIES: Readonly<Record<string, Factory>> = Object.freeze({
  facts: createFactsCollector,
  cpu: createCpuCollector,
  load: createLoadCollector,
  memory: createMemoryCollector,
  swap: createSwapCollector,
  uptime: createUptimeCollector,
  temperature: createTemperatureCollector,
  network: createNetworkCollector,
  disk: createDiskCollector,
  patch: createPatchCollector,
});

export function createCollectors(opts: RegistryOptions = {}): Collector[] {
  const deps: CollectorDeps = {
    fs: opts.fs ?? createHostFs('/'),
    exec: opts.exec ?? realExec,
    platform: opts.platform ?? (os.platform() as NodeJS.Platform),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.patchRunner ? { patchRunner: opts.patchRunner } : {}),
    ...(opts.includeVirtualInterfaces ? { includeVirtualInterfaces: true } : {}),
  };
  const disabled = new Set(opts.disabled ?? []);
  return Object.entries(COLLECTOR_FACTORIES)
    .filter(([name]) => !disabled.has(name))
    .map(([, make]) => make(deps));
}
