import { monotonicMs } from '../clock.js';
import { deviceSecrets, parseAddress, type DeviceConfig } from './device-config.js';
import { redact, SnmpError } from './errors.js';
import { fetchDevice } from './fetch.js';
import { createLimiter, type Limiter } from './limiter.js';
import { createSystemPing, type PingResult, type PingSeam } from './ping.js';
import { PROFILES } from './profiles/registry.js';
import type { ApObservation, Profile } from './profiles/types.js';
import { createNetSnmpSeam, type SnmpSeam, type SnmpSession } from './session.js';
import { buildTarget, type ApEvidence, type ApTargetReport, type KnownAp } from './targets.js';

export type { ApTargetReport } from './targets.js';

export interface DevicePollResult {
  readonly device: string;
  /** The profile used: the configured one, or what `auto` resolved to ('auto' if it never could). */
  readonly profile: string;
  readonly ok: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly durationMs: number;
  readonly targets: ApTargetReport[];
}

/** pino-compatible: the object first, then the message. */
export interface PollerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DevicePollerOptions {
  /** Devices polled at once (default 32). */
  readonly concurrency?: number;
  /** Ping processes at once (default: concurrency). */
  readonly pingConcurrency?: number;
  /** Whole-device budget: a device past it is abandoned and reported HM_SNMP_TIMEOUT (default 30 s). */
  readonly deviceTimeoutMs?: number;
  readonly maxRepetitions?: number;
  readonly snmp?: SnmpSeam;
  readonly ping?: PingSeam;
  readonly clock?: () => number;
  readonly logger?: PollerLogger;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_RETRIES = 1;
const MAX_ROWS_PER_COLUMN = 20_000;

/** Per device, what the last successful poll established. */
interface DeviceMemory {
  readonly fingerprint: string;
  kind?: Profile['kind'];
  profile?: string;
  readonly aps: Map<string, KnownAp>;
  lastCode?: string;
}

type SnmpOutcome =
  | { readonly ok: true; readonly profile: Profile; readonly observations: ApObservation[] }
  | { readonly ok: false; readonly error: SnmpError };

/**
 * Polls Wi-Fi access points and controllers over SNMP, pings them, and turns
 * the result into per-AP targets. One device's failure is that device's error
 * result; it never throws out of pollAll or delays the other devices beyond its
 * own slot in the pool.
 */
export class DevicePoller {
  readonly #snmp: SnmpSeam;
  readonly #ping: PingSeam;
  readonly #clock: () => number;
  readonly #log: PollerLogger | undefined;
  readonly #deviceLimit: Limiter;
  readonly #pingLimit: Limiter;
  readonly #deviceTimeoutMs: number;
  readonly #maxRepetitions: number;
  #devices: readonly DeviceConfig[] = [];
  readonly #memory = new Map<string, DeviceMemory>();
  #inFlight: Promise<DevicePollResult[]> | undefined;
  #closed = false;

  constructor(opts: DevicePollerOptions = {}) {
    const concurrency = opts.concurrency ?? 32;
    this.#snmp = opts.snmp ?? createNetSnmpSeam();
    this.#ping = opts.ping ?? createSystemPing();
    this.#clock = opts.clock ?? Date.now;
    this.#log = opts.logger;
    this.#deviceLimit = createLimiter(concurrency);
    this.#pingLimit = createLimiter(opts.pingConcurrency ?? concurrency);
    this.#deviceTimeoutMs = opts.deviceTimeoutMs ?? 30_000;
    this.#maxRepetitions = opts.maxRepetitions ?? 25;
  }

  /** Replaces the device list (validated by validateDevices). Memory of removed or changed devices is dropped. */
  setDevices(devices: readonly DeviceConfig[]): void {
    this.#devices = [...devices];
    const wanted = new Map(devices.map((d) => [d.name, fingerprint(d)] as const));
    for (const [name, mem] of this.#memory) if (wanted.get(name) !== mem.fingerprint) this.#memory.delete(name);
  }

  /** One cycle over every device. A call while a cycle runs returns that cycle's results. */
  pollAll(): Promise<DevicePollResult[]> {
    if (this.#closed) return Promise.reject(new SnmpError('HM_SNMP_CLOSED', 'the device poller is closed', { answered: false }));
    this.#inFlight ??= this.#cycle().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Waits for a running cycle (its sessions close as it ends); later pollAll calls reject. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inFlight?.catch(() => undefined);
  }

  async #cycle(): Promise<DevicePollResult[]> {
    const ts = this.#clock();
    const devices = this.#devices;
    return Promise.all(devices.map((d) => this.#pollDevice(d, ts)));
  }

  async #pollDevice(device: DeviceConfig, ts: number): Promise<DevicePollResult> {
    const mem = this.#memoryOf(device);
    // Time spent queued behind other devices is not this device's duration.
    let started = 0;
    const outcome = await this.#deviceLimit(() => {
      started = monotonicMs();
      return this.#snmpPhase(device);
    });
    const evidence = this.#evidence(device, mem, outcome);
    const targets = await Promise.all(
      evidence.map(async ({ ev, pingHost }) => buildTarget(device, ev, pingHost ? await this.#probe(pingHost) : undefined, ts)),
    );
    const secrets = deviceSecrets(device);
    const result: DevicePollResult = {
      device: device.name,
      profile: outcome.ok ? outcome.profile.id : (mem.profile ?? device.profile),
      ok: outcome.ok,
      ...(outcome.ok ? {} : { error: { code: outcome.error.code, message: redact(outcome.error.message, secrets) } }),
      durationMs: Math.round(monotonicMs() - started),
      targets: targets.map((t) => scrub(t, secrets)),
    };
    this.#logTransition(device, mem, result);
    return result;
  }

  async #snmpPhase(device: DeviceConfig): Promise<SnmpOutcome> {
    let session: SnmpSession | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const { host, port } = parseAddress(device.address);
      session = this.#snmp.open({
        host,
        port,
        credentials: device.snmp,
        timeoutMs: device.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retries: device.retries ?? DEFAULT_RETRIES,
      });
      const open = session;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new SnmpError('HM_SNMP_TIMEOUT', `device poll exceeded ${this.#deviceTimeoutMs} ms`, { answered: false }));
          open.close();
        }, this.#deviceTimeoutMs);
      });
      const fetched = await Promise.race([
        fetchDevice(open, device.profile, { maxRepetitions: this.#maxRepetitions, maxRowsPerColumn: MAX_ROWS_PER_COLUMN }),
        deadline,
      ]);
      const observations = fetched.profile.map(fetched.data);
      return { ok: true, profile: fetched.profile, observations };
    } catch (err) {
      return { ok: false, error: toSnmpError(err) };
    } finally {
      clearTimeout(timer);
      session?.close();
    }
  }

  /** Turns this poll's outcome plus memory into per-AP evidence, and updates memory. */
  #evidence(device: DeviceConfig, mem: DeviceMemory, outcome: SnmpOutcome): Array<{ ev: ApEvidence; pingHost?: string }> {
    const pingOn = device.ping !== 'off';
    const deviceHost = parseHost(device.address);
    if (outcome.ok) {
      mem.kind = outcome.profile.kind;
      mem.profile = outcome.profile.id;
      const out: Array<{ ev: ApEvidence; pingHost?: string }> = [];
      const seen = new Set<string>();
      for (const obs of outcome.observations) {
        if (seen.has(obs.id)) continue;
        seen.add(obs.id);
        mem.aps.set(obs.id, { id: obs.id, name: obs.name, facts: obs.facts, ...(obs.ip ? { ip: obs.ip } : {}) });
        const host = obs.id === '' ? deviceHost : obs.ip;
        out.push({ ev: { source: 'snmp', obs }, ...(pingOn && host ? { pingHost: host } : {}) });
      }
      // Controller tables may drop an AP that went away: keep reporting it, as down.
      for (const known of mem.aps.values()) {
        if (seen.has(known.id)) continue;
        const host = known.id === '' ? deviceHost : known.ip;
        out.push({ ev: { source: 'vanished', known }, ...(pingOn && host ? { pingHost: host } : {}) });
      }
      return out;
    }
    const kind = mem.kind ?? (device.profile === 'auto' ? undefined : PROFILES[device.profile].kind);
    if (kind === 'standalone' && !mem.aps.has('')) mem.aps.set('', { id: '', name: device.name, facts: {} });
    const why = outcome.error.code === 'HM_SNMP_BAD_DATA' ? 'bad SNMP data' : `SNMP failed (${outcome.error.code})`;
    return [...mem.aps.values()].map((known) => {
      const host = known.id === '' ? deviceHost : known.ip;
      const prefix = known.id === '' ? '' : 'controller: ';
      return {
        ev: { source: 'failed', known, answered: outcome.error.answered, why: `${prefix}${why}` },
        ...(pingOn && host ? { pingHost: host } : {}),
      };
    });
  }

  async #probe(host: string): Promise<PingResult | undefined> {
    try {
      return await this.#pingLimit(() => this.#ping.probe(host));
    } catch {
      // No ping binary, or a refused host: no ping evidence, rather than a false "down".
      return undefined;
    }
  }

  #memoryOf(device: DeviceConfig): DeviceMemory {
    let mem = this.#memory.get(device.name);
    if (!mem) this.#memory.set(device.name, (mem = { fingerprint: fingerprint(device), aps: new Map() }));
    return mem;
  }

  #logTransition(device: DeviceConfig, mem: DeviceMemory, result: DevicePollResult): void {
    const code = result.error?.code ?? 'ok';
    if (code === mem.lastCode) return;
    const first = mem.lastCode === undefined;
    mem.lastCode = code;
    if (result.error) this.#log?.warn({ device: device.name, code, err: result.error.message }, 'device poll failed');
    else if (!first) this.#log?.info({ device: device.name }, 'device poll recovered');
  }
}

/** Identity of a device's memory: a changed address or profile starts fresh. Never includes credentials. */
function fingerprint(d: DeviceConfig): string {
  return `${d.address}|${d.profile}`;
}

function parseHost(address: string): string | undefined {
  try {
    return parseAddress(address).host;
  } catch {
    return undefined;
  }
}

function toSnmpError(err: unknown): SnmpError {
  if (err instanceof SnmpError) return err;
  // Anything else is our bug or a library surprise: report it without its message, which we do not control.
  const name = err instanceof Error ? err.name : typeof err;
  return new SnmpError('HM_SNMP_PROTOCOL', `unexpected failure while polling (${name})`, { answered: false });
}

/**
 * Reasons are derived text (vendor status strings, our error summaries): they
 * get the same redaction as error messages. Names and facts are the device's
 * own inventory data and are left alone — redacting a community such as
 * "public" out of "ap-public-library" would only corrupt them.
 */
function scrub(t: ApTargetReport, secrets: readonly string[]): ApTargetReport {
  return t.reason === undefined ? t : { ...t, reason: redact(t.reason, secrets) };
}
