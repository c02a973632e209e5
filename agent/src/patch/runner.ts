import os from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { monotonicMs } from '../clock.js';
import { NotApplicableError } from '../collectors/collector.js';
import { createHostFs, type HostFs } from '../collectors/proc-source.js';
import { resolveDataDir } from '../data-dir.js';
import { realExec, type Exec } from '../exec.js';
import { readPatchCache, writePatchCache } from './cache.js';
import type { FastPatchState, PatchReport, PatchSource } from './types.js';

export interface PatchRunnerOptions {
  /** Candidates in order; the first that is applicable answers. */
  readonly sources: readonly PatchSource[];
  readonly exec?: Exec;
  readonly fs?: HostFs;
  readonly platform?: NodeJS.Platform;
  readonly kernelRelease?: string;
  /** Configured data dir; resolved (with fallbacks) on start. */
  readonly dataDir?: string;
  /** Between checks. Default 6 h. */
  readonly intervalMs?: number;
  /** Up to this much is added to each wait, so a lab's machines spread out. Default interval / 4. */
  readonly jitterMs?: number;
  /** After a failed check. Default 30 min. */
  readonly retryMs?: number;
  /** Hard limit for one whole check; its process tree is killed past it. Default 10 min (WUA can be slow). */
  readonly timeoutMs?: number;
  /** Re-check this long after the package database changed (someone patched). Default 2 min. */
  readonly settleMs?: number;
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs the slow patch check on its own schedule, one at a time, with a hard
 * timeout, and caches the result on disk. A collection round only reads
 * `latest()` and the cheap `fast()` state: no child process per round.
 */
export class PatchRunner {
  readonly #o: PatchRunnerOptions;
  readonly #fs: HostFs;
  readonly #clock: () => number;
  readonly #interval: number;
  readonly #jitter: number;
  readonly #retry: number;
  readonly #timeout: number;
  #dataDir: Promise<string> | undefined;
  #latest: PatchReport | undefined;
  #inFlight: Promise<PatchReport> | undefined;
  #abort: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Infinity;
  #stopped = false;

  constructor(opts: PatchRunnerOptions) {
    this.#o = opts;
    this.#fs = opts.fs ?? createHostFs('/');
    this.#clock = opts.clock ?? Date.now;
    this.#interval = opts.intervalMs ?? 6 * 3600_000;
    this.#jitter = opts.jitterMs ?? this.#interval / 4;
    this.#retry = opts.retryMs ?? 30 * 60_000;
    this.#timeout = opts.timeoutMs ?? 10 * 60_000;
  }

  /** The last completed check, from memory (loaded from disk at start). */
  latest(): PatchReport | undefined {
    return this.#latest;
  }

  dataDir(): Promise<string> {
    this.#dataDir ??= resolveDataDir(this.#o.dataDir);
    return this.#dataDir;
  }

  async cachePath(): Promise<string> {
    return join(await this.dataDir(), 'patch-cache.json');
  }

  /** Loads the cache and schedules the next check: now if the cache is missing or stale. */
  async start(): Promise<void> {
    await this.#load();
    const wait = this.#latest ? Math.max(0, this.#freshUntil(this.#latest) - this.#clock()) : 0;
    this.#schedule(wait === 0 ? 0 : wait + this.#jitterDelay());
  }

  /** For `collect --once`: the cached report if fresh, else one check now. */
  async ensureFresh(): Promise<PatchReport> {
    await this.#load();
    if (this.#latest && this.#freshUntil(this.#latest) > this.#clock()) return this.#latest;
    return this.runNow();
  }

  /** Runs a check unless one is already running, in which case its result is shared. */
  runNow(): Promise<PatchReport> {
    this.#inFlight ??= this.#run().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * The per-round part: the answering source's file-only checks. Also notices a
   * package database newer than the last check and brings the next check forward.
   */
  async fast(): Promise<FastPatchState | undefined> {
    const r = this.#latest;
    const src = r ? this.#o.sources.find((s) => s.name === r.source) : undefined;
    if (!r || !src?.fast) return undefined;
    const state = await src.fast(this.#fs, this.#o.kernelRelease ?? os.release());
    if (state.changedAt !== undefined && state.changedAt > r.checkedAt && !this.#inFlight && !this.#stopped) {
      const settle = this.#o.settleMs ?? 120_000;
      if (this.#dueAt > this.#clock() + settle) this.#schedule(settle);
    }
    return state;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort?.abort(new Error('agent stopping'));
    await this.#inFlight?.catch(() => undefined);
  }

  async #load(): Promise<void> {
    if (this.#latest) return;
    this.#latest = await readPatchCache(await this.cachePath());
  }

  #freshUntil(r: PatchReport): number {
    return r.checkedAt + (r.status === 'error' ? this.#retry : this.#interval);
  }

  #jitterDelay(): number {
    return Math.floor((this.#o.random ?? Math.random)() * this.#jitter);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#dueAt = this.#clock() + delayMs;
    this.#timer = setTimeout(() => {
      this.#dueAt = Infinity;
      void this.runNow().then((r) => this.#schedule(Math.max(0, this.#freshUntil(r) - this.#clock()) + this.#jitterDelay()));
    }, delayMs);
    this.#timer.unref();
  }

  async #run(): Promise<PatchReport> {
    const started = this.#clock();
    const t0 = monotonicMs();
    const ac = new AbortController();
    this.#abort = ac;
    const deadline = setTimeout(() => ac.abort(new Error(`patch check killed after ${this.#timeout} ms`)), this.#timeout);
    let report: PatchReport = { source: 'none', status: 'not_applicable', checkedAt: started, durationMs: 0 };
    try {
      for (const src of this.#o.sources) {
        try {
          const found = await src.check({
            exec: this.#o.exec ?? realExec,
            fs: this.#fs,
            platform: this.#o.platform ?? process.platform,
            timeoutMs: this.#timeout,
            signal: ac.signal,
            dataDir: await this.dataDir(),
            env: this.#o.env ?? process.env,
          });
          report = { ...found, source: src.name, status: 'ok', checkedAt: started, durationMs: monotonicMs() - t0 };
          break;
        } catch (err) {
          if (err instanceof NotApplicableError) continue;
          const message = ac.signal.aborted ? String((ac.signal.reason as Error).message) : err instanceof Error ? err.message : String(err);
          report = { source: src.name, status: 'error', checkedAt: started, durationMs: monotonicMs() - t0, error: message.split('\n')[0]?.slice(0, 200) ?? 'failed' };
          break;
        }
      }
    } finally {
      clearTimeout(deadline);
      this.#abort = undefined;
    }
    // A check cut short by shutdown says nothing about the machine: keep the previous cache.
    if (this.#stopped) return this.#latest ?? report;
    this.#latest = report;
    this.#o.logger?.[report.status === 'error' ? 'warn' : 'debug']({ source: report.source, status: report.status, durationMs: Math.round(report.durationMs), err: report.error }, 'patch check done');
    try {
      await writePatchCache(await this.cachePath(), report);
    } catch (err) {
      this.#o.logger?.warn({ err }, 'cannot write patch cache');
    }
    return report;
  }
}
