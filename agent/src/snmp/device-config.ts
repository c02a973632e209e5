import {
  AUTH_PROTOCOLS,
  DEVICE_PROFILES,
  DeviceConfigError,
  DeviceConfigSchema,
  PRIV_PROTOCOLS,
  SnmpV2cSchema,
  SnmpV3Schema,
  deviceSecrets,
  parseAddress,
  validateDevices as validateShared,
  type DeviceAddress,
  type DeviceConfig,
  type DeviceProfileName,
  type SnmpCredentials,
} from '@hallmonitor/shared';
import { SnmpError } from './errors.js';

// The device schema is shared with the collector (it validates `devices:` at load).
export { AUTH_PROTOCOLS, DEVICE_PROFILES, DeviceConfigSchema, PRIV_PROTOCOLS, SnmpV2cSchema, SnmpV3Schema, deviceSecrets, parseAddress };
export type { DeviceAddress, DeviceConfig, DeviceProfileName, SnmpCredentials };

/** validateDevices with the poller's own error type (HM_SNMP_CONFIG). */
export function validateDevices(raw: unknown, source = 'devices'): readonly DeviceConfig[] {
  try {
    return validateShared(raw, source);
  } catch (err) {
    if (err instanceof DeviceConfigError) throw new SnmpError('HM_SNMP_CONFIG', err.message, { answered: false });
    throw err;
  }
}
