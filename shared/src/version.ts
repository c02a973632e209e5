/**
 * Protocol versions. Fields are only ever added; a field is never repurposed.
 * Bump PROTOCOL_VERSION when a message kind or field is added, and raise
 * MIN_PROTOCOL_VERSION only when the collector can no longer serve an older agent.
 */
// 2 added the agent's `gap` message; a v2 agent sends it (and sends live batches
// ahead of a draining backlog) only to a collector that accepted version 2.
// 2 also added SNMP device polling: `settings.devices`, the collector's
// `settings` message, the agent's `targets` message and `target` on samples.
// 3 added the agent's `batch` message: samples in columns against series the
// connection defined once (a 60-sample round is ~1 KB instead of ~5.5 KB, and
// the collector resolves each series once per connection, not per sample).
// A v3 agent sends `batch` only to a collector that accepted version 3.
export const PROTOCOL_VERSION = 3;
export const MIN_PROTOCOL_VERSION = 1;

/** True when a peer speaking `version` may talk to us. */
export function isProtocolSupported(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}
