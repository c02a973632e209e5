import type { DeviceConfig } from '@hallmonitor/shared';
import type { Target } from '../targets/targets.js';

/** A device entry of the collector config: a DeviceConfig plus who polls it. */
export type ConfiguredDevice = DeviceConfig & { readonly poller?: string };

/**
 * Which devices an agent polls. `poller: NAME` (or a target id) assigns a
 * device to one agent; a device without `poller` goes to the agents of its site
 * labelled `role: poller` — the first by name, so exactly one polls it and the
 * choice is stable. Pure: (agent, devices, fleet) in, devices out.
 */
export function devicesFor(agent: Target, devices: readonly ConfiguredDevice[], fleet: readonly Target[]): ConfiguredDevice[] {
  return devices.filter((d) => {
    if (d.poller !== undefined) return d.poller === agent.name || d.poller === agent.id;
    const candidates = fleet
      .filter((t) => t.kind === 'host' && t.labels.role === 'poller' && (d.site === undefined || t.site === d.site))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return candidates[0]?.id === agent.id;
  });
}
