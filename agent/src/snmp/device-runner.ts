import { PROTOCOL_VERSION, toWireValue, type DeviceStatus, type DeviceTarget, type TargetsMessage, type WireSample } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { validateDevices, type DeviceConfig } from './device-config.js';
import type { DevicePoller, DevicePollResult } from './poller.js';

export interface DeviceRunnerOptions {
  readonly logger: Logger;
  /** Devices from the agent's own config (standalone use). */
  readonly localDevices: readonly DeviceConfig[];
  /** Sends a `targets` report now; false when not connected (the next cycle repeats it). */
  readonly sendTargets: (msg: TargetsMessage) => boolean;
  /** Queues samples durably, like host samples (spool, acks). */
  readonly pushSamples: (samples: WireSample[]) => void;
  readonly pollIntervalMs?: number;
  /** For tests: a poller factory (default: the real SNMP poller, loaded only when there are devices). */
  readonly createPoller?: () => Promise<DevicePoller>;
}

/** Metric on a controller target: 1 while it answers SNMP. */
export const SNMP_DEVICE_UP = 'snmp_device_up';

/**
 * Polls the agent's SNMP devices on their own timer: the collector's list
 * (live, from settings) plus any in the agent's own config. Each cycle reports
 * the targets it found (APs, and controllers as targets of their own, so a dead
 * controller is one cause, not 40 down APs) and queues their samples tagged
 * with the target key. The SNMP stack is loaded only when there are devices:
 * an agent that polls nothing does not pay its memory.
 */
export class DeviceRunner {
  readonly #o: DeviceRunnerOptions;
  readonly #log: Logger;
  #remote: readonly DeviceConfig[] = [];
  #poller: DevicePoller | undefined;
  #timer: NodeJS.Timeout | undefined;
  #intervalMs: number;
  #running = false;
  #stopped = false;

  constructor(opts: DeviceRunnerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'devices' });
    this.#intervalMs = opts.pollIntervalMs ?? 60_000;
  }

  get devices(): readonly DeviceConfig[] {
    const names = new Set(this.#remote.map((d) => d.name));
    return [...this.#remote, ...this.#o.localDevices.filter((d) => !names.has(d.name))];
  }

  /** The collector's device list; a bad list is refused with one line and the old one kept. */
  setRemote(raw: unknown, pollSeconds?: number): void {
    if (raw !== undefined) {
      try {
        this.#remote = validateDevices(raw, 'collector devices');
      } catch (err) {
        this.#log.error(`device list from the collector refused, keeping the previous one: ${(err as Error).message}`);
      }
    }
    if (pollSeconds && pollSeconds * 1000 !== this.#intervalMs) this.#intervalMs = pollSeconds * 1000;
    this.#schedule(1000);
  }

  start(): void {
    this.#schedule(Math.floor(Math.random() * 5000));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#poller?.close();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#cycle(), delayMs);
  }

  async #cycle(): Promise<void> {
    if (this.#running) return;
    const devices = this.devices;
    if (devices.length === 0) {
      this.#schedule(this.#intervalMs);
      return;
    }
    this.#running = true;
    try {
      this.#poller ??= await (this.#o.createPoller ?? defaultPoller)();
      this.#poller.setDevices(devices);
      const results = await this.#poller.pollAll();
      const { message, samples } = toReport(results, devices);
      this.#o.sendTargets(message);
      for (let i = 0; i < samples.length; i += 1000) this.#o.pushSamples(samples.slice(i, i + 1000));
      const failed = results.filter((r) => !r.ok);
      if (failed.length) this.#log.warn({ failed: failed.map((r) => ({ device: r.device, code: r.error?.code })) }, 'some devices did not answer');
    } catch (err) {
      this.#log.error({ err: (err as Error).message }, 'device poll cycle failed');
    } finally {
      this.#running = false;
      this.#schedule(this.#intervalMs);
    }
  }
}

async function defaultPoller(): Promise<DevicePoller> {
  const { DevicePoller: P } = await import('./poller.js');
  return new P();
}

/** Turns one poll cycle into the wire report and tagged samples. Pure. */
export function toReport(results: readonly DevicePollResult[], devices: readonly DeviceConfig[]): { message: TargetsMessage; samples: WireSample[] } {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const targets: DeviceTarget[] = [];
  const statuses: DeviceStatus[] = [];
  const samples: WireSample[] = [];
  for (const r of results) {
    const d = byName.get(r.device);
    statuses.push({ name: r.device, profile: r.profile, ok: r.ok, durationMs: Math.round(r.durationMs), ...(r.error ? { error: { code: r.error.code, message: r.error.message.slice(0, 500) } } : {}) });
    // A device whose APs are keyed `device/mac` is a controller: it becomes a target of its own.
    const isController = r.targets.some((t) => t.key !== r.device) || (d !== undefined && CONTROLLER_PROFILES.has(r.profile));
    if (isController && d) {
      targets.push({
        key: d.name,
        name: d.displayName ?? d.name,
        kind: 'controller',
        device: d.name,
        ...place(d),
        up: r.ok,
        ...(r.error ? { reason: r.error.message.slice(0, 200) } : {}),
        facts: { profile: r.profile },
      });
      const ts = Date.now();
      samples.push({ name: SNMP_DEVICE_UP, labels: {}, value: r.ok ? 1 : 0, timestamp: ts, target: d.name });
    }
    for (const t of r.targets) {
      targets.push({
        key: t.key,
        name: t.name,
        kind: 'ap',
        device: r.device,
        ...(t.site ? { site: t.site } : {}),
        ...(t.building ? { building: t.building } : {}),
        ...(t.room ? { room: t.room } : {}),
        up: t.up,
        ...(t.reason ? { reason: t.reason.slice(0, 200) } : {}),
        ...(t.facts ? { facts: Object.fromEntries(Object.entries(t.facts).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 200) : v])) } : {}),
      });
      for (const s of t.samples) samples.push({ name: s.name, labels: { ...s.labels }, value: toWireValue(s.value), timestamp: Math.round(s.timestamp), target: t.key });
    }
  }
  return { message: { v: PROTOCOL_VERSION, type: 'targets', targets: targets.slice(0, 2000), devices: statuses.slice(0, 500) }, samples };
}

const CONTROLLER_PROFILES: ReadonlySet<string> = new Set(['cisco-wlc', 'aruba', 'ruckus-zd', 'ruckus-sz']);

function place(d: DeviceConfig): { site?: string; building?: string; room?: string } {
  return { ...(d.site ? { site: d.site } : {}), ...(d.building ? { building: d.building } : {}), ...(d.room ? { room: d.room } : {}) };
}
