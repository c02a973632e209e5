import { METRICS } from '@hallmonitor/shared';
import type { Sample } from '../collectors/collector.js';
import type { DeviceConfig } from './device-config.js';
import type { PingResult } from './ping.js';
import type { ApObservation, RadioObservation } from './profiles/types.js';

/** One access point as the collector will show it: its own target with samples and facts. */
export interface ApTargetReport {
  /** Stable: the device name for a standalone AP, `${device}/${apMac}` for a controller-managed one. */
  readonly key: string;
  readonly name: string;
  readonly kind: 'ap';
  readonly site?: string;
  readonly building?: string;
  readonly room?: string;
  readonly up: boolean;
  readonly reason?: string;
  readonly samples: Sample[];
  /** model, firmware, mac, ip, serial, controller — never credentials. */
  readonly facts?: Record<string, string | number>;
}

/** What the poller remembers about an AP between polls, so a vanished or unreachable AP can still be reported. */
export interface KnownAp {
  readonly id: string;
  readonly name: string;
  readonly ip?: string;
  readonly facts: Readonly<Record<string, string | number>>;
}

/** How an AP's state was established this poll. */
export type ApEvidence =
  | { readonly source: 'snmp'; readonly obs: ApObservation }
  | { readonly source: 'vanished'; readonly known: KnownAp }
  | { readonly source: 'failed'; readonly known: KnownAp; readonly answered: boolean; readonly why: string };

export function targetKey(device: DeviceConfig, apId: string): string {
  return apId === '' ? device.name : `${device.name}/${apId}`;
}

function radioSamples(r: RadioObservation, ts: number): Sample[] {
  const labels = { radio: r.radio };
  const out: Sample[] = [];
  if (r.clients !== undefined) out.push({ name: METRICS.wifiRadioClients, labels, value: r.clients, timestamp: ts });
  if (r.channel !== undefined) out.push({ name: METRICS.wifiRadioChannel, labels, value: r.channel, timestamp: ts });
  if (r.utilizationPercent !== undefined) {
    out.push({ name: METRICS.wifiRadioUtilizationPercent, labels, value: r.utilizationPercent, timestamp: ts });
  }
  return out;
}

/**
 * Pure: evidence (+ ping) → the AP's report. The rules (issue 4): an AP is down
 * when its controller says so, when it vanished from the controller's table, or
 * when SNMP failed and ping did not answer either.
 */
export function buildTarget(device: DeviceConfig, evidence: ApEvidence, ping: PingResult | undefined, ts: number): ApTargetReport {
  const standalone = (evidence.source === 'snmp' ? evidence.obs.id : evidence.known.id) === '';
  let up: boolean;
  let reason: string | undefined;
  let id: string;
  let apName: string;
  let facts: Record<string, string | number>;
  const samples: Sample[] = [];
  if (evidence.source === 'snmp') {
    const o = evidence.obs;
    ({ up, reason } = o);
    id = o.id;
    apName = o.name;
    facts = { ...o.facts };
    if (o.clients !== undefined) samples.push({ name: METRICS.wifiApClients, labels: {}, value: o.clients, timestamp: ts });
    if (o.uptimeSeconds !== undefined) samples.push({ name: METRICS.wifiApUptimeSeconds, labels: {}, value: o.uptimeSeconds, timestamp: ts });
    for (const r of o.radios) samples.push(...radioSamples(r, ts));
  } else if (evidence.source === 'vanished') {
    up = false;
    reason = 'vanished';
    id = evidence.known.id;
    apName = evidence.known.name;
    facts = { ...evidence.known.facts };
  } else {
    // A standalone AP that answered (even with bad data) is alive; a controller's answer says nothing about its APs.
    up = (standalone && evidence.answered) || ping?.alive === true;
    reason = up ? undefined : evidence.why;
    id = evidence.known.id;
    apName = evidence.known.name;
    facts = { ...evidence.known.facts };
  }
  if (ping) {
    samples.push({ name: METRICS.pingUp, labels: {}, value: ping.alive ? 1 : 0, timestamp: ts });
    samples.push({ name: METRICS.pingLossRatio, labels: {}, value: ping.lossRatio, timestamp: ts });
    if (ping.rttSeconds !== undefined) samples.push({ name: METRICS.pingRttSeconds, labels: {}, value: ping.rttSeconds, timestamp: ts });
  }
  samples.unshift({ name: METRICS.wifiApUp, labels: {}, value: up ? 1 : 0, timestamp: ts });
  if (!standalone) facts.controller = device.name;
  const name = standalone ? (device.displayName ?? device.name) : apName || id;
  return {
    key: targetKey(device, id),
    name,
    kind: 'ap',
    ...(device.site !== undefined ? { site: device.site } : {}),
    // A controller's building/room are the controller's, not its APs'.
    ...(standalone && device.building !== undefined ? { building: device.building } : {}),
    ...(standalone && device.room !== undefined ? { room: device.room } : {}),
    up,
    ...(reason !== undefined ? { reason } : {}),
    samples,
    ...(Object.keys(facts).length > 0 ? { facts } : {}),
  };
}
