import { createSocket, type Socket } from 'node:dgram';
import { validateDevices, type DeviceConfig } from '../../src/snmp/device-config.js';
import type { PollerLogger } from '../../src/snmp/poller.js';
import type { ApTargetReport, DevicePollResult } from '../../src/snmp/poller.js';

export type DeviceEntry = Record<string, unknown>;

/** Entries → validated devices, exactly as the collector config path would produce them. */
export function devices(...entries: DeviceEntry[]): readonly DeviceConfig[] {
  return validateDevices(entries);
}

/** A v2c device on `address` whose community selects the snmpsim data file; no ping unless asked. */
export function v2c(name: string, address: string, community: string, profile: string, extra: DeviceEntry = {}): DeviceEntry {
  return { name, address, profile, snmp: { version: '2c', community }, ping: 'off', timeoutMs: 1000, retries: 0, ...extra };
}

export function result(results: DevicePollResult[], device: string): DevicePollResult {
  const r = results.find((x) => x.device === device);
  if (!r) throw new Error(`no result for ${device}`);
  return r;
}

export function target(r: DevicePollResult, key: string): ApTargetReport {
  const t = r.targets.find((x) => x.key === key);
  if (!t) throw new Error(`no target ${key} in ${r.targets.map((x) => x.key).join(', ')}`);
  return t;
}

/** The value of one sample, or undefined when absent. */
export function value(t: ApTargetReport, name: string, labels: Record<string, string> = {}): number | undefined {
  const s = t.samples.find((x) => x.name === name && JSON.stringify(x.labels) === JSON.stringify(labels));
  return s?.value;
}

export interface CapturedLog extends PollerLogger {
  readonly lines: string[];
}

export function captureLogger(): CapturedLog {
  const lines: string[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push(JSON.stringify({ level: 'info', ...obj, msg })),
    warn: (obj, msg) => lines.push(JSON.stringify({ level: 'warn', ...obj, msg })),
  };
}

/** A bound UDP port on loopback that swallows every datagram: an SNMP device that never answers. */
export async function silentUdpPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', () => undefined);
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, close: () => new Promise<void>((resolve) => sock.close(() => resolve())) };
}
