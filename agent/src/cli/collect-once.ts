import { pino } from 'pino';
import type { HostFacts, WireSample } from '@hallmonitor/shared';
import { createCollectors, type RegistryOptions } from '../collectors/registry.js';
import { PatchRunner } from '../patch/runner.js';
import { PATCH_SOURCES } from '../patch/sources.js';
import { Scheduler } from '../scheduler.js';
import { toWireSamples } from '../to-wire.js';

export interface OneRound {
  readonly facts: Partial<HostFacts>;
  readonly samples: WireSample[];
}

export interface CollectOnceOptions extends Omit<RegistryOptions, 'patchRunner'> {
  /** Between the priming round and the reported one. Default 1 s. */
  readonly settleMs?: number;
}

/**
 * One complete round for the technician's first diagnostic. Patch facts come
 * from the on-disk cache, or from one slow check run now if there is none.
 * Rate-type values (CPU, network) need two readings, so this primes, waits one
 * second, and reports the second round.
 */
export async function collectOnce(opts: CollectOnceOptions = {}): Promise<OneRound> {
  const logger = pino({ level: process.env.HALLMONITOR_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const patchRunner = new PatchRunner({
    sources: PATCH_SOURCES,
    logger,
    ...(opts.exec ? { exec: opts.exec } : {}),
    ...(opts.fs ? { fs: opts.fs } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const scheduler = new Scheduler({ collectors: createCollectors({ ...opts, patchRunner }), logger });
  try {
    const [prime] = await Promise.all([scheduler.runRound(), patchRunner.ensureFresh()]);
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 1000));
    const round = await scheduler.runRound();
    return { facts: { ...prime.facts, ...round.facts }, samples: toWireSamples(round.samples) };
  } finally {
    await scheduler.close();
    await patchRunner.stop();
  }
}
