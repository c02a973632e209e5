/**
 * Protocol versions. Fields are only ever added; a field is never repurposed.
 * Bump PROTOCOL_VERSION when a message kind or field is added, and raise
 * MIN_PROTOCOL_VERSION only when the collector can no longer serve an older agent.
 */
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;

/** True when a peer speaking `version` may talk to us. */
export function isProtocolSupported(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}
