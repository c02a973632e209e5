import { execFile } from 'node:child_process';
import { access, constants, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { httpJson } from '../transport/http.js';
import type { PinnedTls } from '../transport/tls.js';
import { readAdvert } from './advert.js';
import { downloadVerified } from './download.js';
import { decideUpdate } from './policy.js';
import { isSeaExecutable } from './sea.js';
import { readUpdateState, writeUpdateState, type UpdateState } from './state.js';
import { dropPrevious, rollBack, swapIn } from './swap.js';

/** Exit code asking the service manager for a restart (EX_TEMPFAIL); the units restart on it. */
export const RESTART_EXIT_CODE = 75;
/** More starts than this during probation is a crash loop: roll back. */
const MAX_TRIAL_STARTS = 5;
/** Between reads of /downloads/update.json until an advert says otherwise. */
const DEFAULT_CHECK_MS = 3_600_000;

export interface SelfUpdaterOptions {
  readonly collectorUrl: string;
  readonly tls: PinnedTls;
  readonly agentId: string;
  readonly agentName?: string;
  readonly version: string;
  readonly logger: Logger;
  /** Stops the agent cleanly before the process exits for a restart. */
  readonly stopAgent: () => Promise<void>;
  /** Seams for tests; defaults are the real process. */
  readonly exe?: string;
  readonly enabled?: boolean;
  readonly exit?: (code: number) => void;
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
}

/**
 * The agent's self-update: acts on the collector's `settings.update`, and
 * guards a freshly installed version until it has proved it can connect.
 * Active only in the single-executable build running as a service
 * (HALLMONITOR_SELF_UPDATE=1, set by our unit and service XML): a restart is
 * an exit that the service manager turns into a start of the new file.
 */
export class SelfUpdater {
  readonly #o: SelfUpdaterOptions;
  readonly #log: Logger;
  readonly #exe: string;
  readonly #enabled: boolean;
  #state: UpdateState = { status: 'ok', rejected: [] };
  #trialTimer: NodeJS.Timeout | undefined;
  #updateTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #checkMs = DEFAULT_CHECK_MS;
  #scheduledSha: string | undefined;
  #busy = false;
  #stopped = false;

  constructor(opts: SelfUpdaterOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'self-update' });
    this.#exe = opts.exe ?? process.execPath;
    this.#enabled = opts.enabled ?? (isSeaExecutable() && process.env.HALLMONITOR_SELF_UPDATE === '1');
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Reads the update state; a version on probation arms its deadline (or rolls back at once). */
  async start(): Promise<void> {
    if (!this.#enabled) return;
    this.#state = await readUpdateState(this.#exe);
    this.#schedulePoll();
    const s = this.#state;
    if (s.status !== 'trial') return;
    const now = this.#now();
    if (s.to !== this.#o.version) {
      // The swap never took effect (crash between state and rename, or a manual replace).
      await this.#save({ ...s, status: 'abandoned', reason: `running ${this.#o.version}, not ${s.to}` });
      return;
    }
    const starts = (s.starts ?? 0) + 1;
    const firstStartAt = s.firstStartAt ?? now;
    await this.#save({ ...s, starts, firstStartAt });
    if (starts > MAX_TRIAL_STARTS) return this.#rollBack(`started ${starts} times without connecting`);
    const left = firstStartAt + (s.trialMs ?? 180_000) - now;
    if (left <= 0) return this.#rollBack('probation ran out before this version connected');
    this.#log.info({ version: this.#o.version, from: s.from, deadlineInMs: left }, 'new version on probation: it must connect to the collector');
    this.#trialTimer = setTimeout(() => void this.#rollBack(`did not connect within ${Math.round((s.trialMs ?? 180_000) / 1000)} s`), left);
  }

  /** Called on every welcome: proof of connection, and the collector's current advert. */
  onSettings(settings: Readonly<Record<string, unknown>>): void {
    if (!this.#enabled || this.#stopped) return;
    // A version on probation is confirmed first; only then may the advert move it on.
    const ready = this.#state.status === 'trial' ? this.#confirm() : Promise.resolve();
    void ready.then(() => this.#consider(settings));
  }

  /** An advert from a welcome or a poll: schedule, keep or cancel the update. */
  #consider(settings: Readonly<Record<string, unknown>>): void {
    const { advert, problem } = readAdvert(settings);
    if (problem) this.#log.warn({ problem }, 'ignoring an update advert I do not understand');
    if (!advert) {
      this.#cancel('the collector no longer advertises an update');
      return;
    }
    if (advert.checkSeconds && advert.checkSeconds * 1000 !== this.#checkMs) {
      this.#checkMs = advert.checkSeconds * 1000;
      clearTimeout(this.#pollTimer);
      this.#schedulePoll();
    }
    const d = decideUpdate(
      advert,
      { agentId: this.#o.agentId, ...(this.#o.agentName ? { name: this.#o.agentName } : {}), version: this.#o.version, platformKey: `${this.#o.platform ?? process.platform}-${this.#o.arch ?? process.arch}`, rejected: this.#state.rejected },
      this.#o.random,
    );
    if (d.kind === 'none') {
      this.#cancel(d.reason);
      this.#log.debug({ reason: d.reason, advertised: advert.version }, 'no update');
      return;
    }
    if (this.#scheduledSha === d.sha256 || this.#busy) return;
    this.#cancel();
    this.#scheduledSha = d.sha256;
    this.#log.info({ from: this.#o.version, to: d.version, inMs: d.delayMs }, 'update scheduled');
    this.#updateTimer = setTimeout(() => void this.#apply(d), d.delayMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#trialTimer);
    clearTimeout(this.#pollTimer);
    this.#cancel();
  }

  /** Re-reads the advert now and then (±25 %), so agents connected for weeks still update. */
  #schedulePoll(): void {
    if (this.#stopped) return;
    const wait = Math.round(this.#checkMs * (0.75 + (this.#o.random ?? Math.random)() * 0.5));
    this.#pollTimer = setTimeout(() => void this.#poll().finally(() => this.#schedulePoll()), wait);
    this.#pollTimer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#stopped || this.#state.status === 'trial') return;
    try {
      const res = await httpJson(new URL('/downloads/update.json', this.#o.collectorUrl).toString(), { tls: this.#o.tls });
      const body = res.body as { update?: unknown } | undefined;
      if (res.status !== 200 || !body || typeof body !== 'object') return;
      this.#consider(body.update ? { update: body.update } : {});
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'update check failed; next time');
    }
  }

  #cancel(reason?: string): void {
    if (this.#updateTimer && reason) this.#log.info({ reason }, 'scheduled update cancelled');
    clearTimeout(this.#updateTimer);
    this.#updateTimer = undefined;
    this.#scheduledSha = undefined;
  }

  async #confirm(): Promise<void> {
    clearTimeout(this.#trialTimer);
    const s = this.#state;
    await this.#save({ status: 'ok', from: s.from, to: s.to, rejected: s.rejected });
    await dropPrevious(this.#exe).catch(() => undefined);
    this.#log.info({ version: this.#o.version, from: s.from }, 'update confirmed: the new version is connected');
  }

  async #apply(d: Extract<ReturnType<typeof decideUpdate>, { kind: 'update' }>): Promise<void> {
    if (this.#stopped || this.#busy) return;
    this.#busy = true;
    const next = `${this.#exe}.download`;
    try {
      await access(dirname(this.#exe), constants.W_OK);
      const url = new URL(`/downloads/${encodeURIComponent(d.file)}`, this.#o.collectorUrl).toString();
      this.#log.info({ url, version: d.version, bytes: d.size }, 'downloading update');
      await downloadVerified({ url, tls: this.#o.tls, sha256: d.sha256, size: d.size, dest: next });
      const said = await runVersion(next);
      if (said !== d.version) throw new Error(`the downloaded executable says it is ${JSON.stringify(said)}, not ${d.version}`);
      if (this.#stopped) return;
      await this.#save({ status: 'trial', from: this.#o.version, to: d.version, toSha256: d.sha256, trialMs: d.trialMs, swappedAt: this.#now(), starts: 0, rejected: this.#state.rejected });
      await swapIn(this.#exe, next, this.#o.platform);
      this.#log.info({ from: this.#o.version, to: d.version }, 'update installed; restarting into the new version');
      await this.#restart();
    } catch (err) {
      await rm(next, { force: true }).catch(() => undefined);
      if (this.#state.status === 'trial') await this.#save({ ...this.#state, status: 'abandoned', reason: (err as Error).message });
      this.#log.error({ err: (err as Error).message, version: d.version }, 'update failed; staying on this version');
      this.#scheduledSha = undefined;
    } finally {
      this.#busy = false;
    }
  }

  async #rollBack(reason: string): Promise<void> {
    if (this.#stopped) return;
    const s = this.#state;
    const rejected = [...s.rejected, ...(s.to && s.toSha256 ? [{ version: s.to, sha256: s.toSha256 }] : [])].slice(-10);
    try {
      await rollBack(this.#exe, this.#o.platform);
    } catch (err) {
      this.#log.error({ err: (err as Error).message, reason }, 'cannot roll back: no previous executable; staying on this version');
      await this.#save({ ...s, status: 'abandoned', reason, rejected });
      return;
    }
    await this.#save({ status: 'rolled-back', from: s.from, to: s.to, toSha256: s.toSha256, reason, rejected });
    this.#log.error({ version: this.#o.version, back: s.from, reason }, 'new version rolled back');
    await this.#restart();
  }

  async #restart(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#trialTimer);
    clearTimeout(this.#pollTimer);
    await this.#o.stopAgent().catch(() => undefined);
    (this.#o.exit ?? ((code: number) => process.exit(code)))(RESTART_EXIT_CODE);
  }

  async #save(s: UpdateState): Promise<void> {
    this.#state = s;
    await writeUpdateState(this.#exe, s).catch((err: Error) => this.#log.warn({ err: err.message }, 'cannot write update state'));
  }

  #now(): number {
    return (this.#o.clock ?? Date.now)();
  }
}

/** Runs `<exe> --version`: proves the file executes on this machine before we bet on it. */
function runVersion(exe: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(exe, ['--version'], { timeout: 30_000, env: { ...process.env, HALLMONITOR_SELF_UPDATE: '0' } }, (err, stdout) => {
      if (err) reject(new Error(`the downloaded executable does not run: ${err.message.split('\n')[0]}`));
      else resolve(stdout.trim());
    });
  });
}
