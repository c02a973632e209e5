/*
 * The agent's Wi-Fi access-point poller (issue 4). The collector side lists
 * devices; the agent validates them, polls them each cycle, and ships the
 * per-AP targets. Nothing here is wired into the scheduler or transport yet.
 */
export {
  DeviceConfigSchema,
  DEVICE_PROFILES,
  AUTH_PROTOCOLS,
  PRIV_PROTOCOLS,
  validateDevices,
  parseAddress,
  type DeviceConfig,
  type DeviceProfileName,
  type SnmpCredentials,
} from './device-config.js';
export { DevicePoller, type DevicePollResult, type DevicePollerOptions, type PollerLogger } from './poller.js';
export type { ApTargetReport } from './targets.js';
export { SNMP_ERRORS, SnmpError, type SnmpErrorCode } from './errors.js';
export { createNetSnmpSeam, type SnmpSeam, type SnmpSession, type SessionOptions, type WalkOptions } from './session.js';
export { createSystemPing, parsePingReply, type PingSeam, type PingResult } from './ping.js';
export { PROFILES, detectProfile } from './profiles/registry.js';
export type { Profile, ProfileId, ApObservation, RadioObservation, TableSpec } from './profiles/types.js';
export type { SnmpValue, RawData, RawTable } from './values.js';
