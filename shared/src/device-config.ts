import { Type, type Static } from '@sinclair/typebox';
import { checkConfig, deepFreeze } from './config-check.js';

export const DEVICE_PROFILES = [
  'unifi',
  'cisco-wlc',
  'aruba',
  'aruba-instant',
  'ruckus-zd',
  'ruckus-sz',
  'mikrotik',
  'generic',
  'auto',
] as const;
export type DeviceProfileName = (typeof DEVICE_PROFILES)[number];

export const AUTH_PROTOCOLS = ['sha', 'sha224', 'sha256', 'sha384', 'sha512', 'md5'] as const;
export const PRIV_PROTOCOLS = ['aes', 'aes256b', 'aes256r', 'des'] as const;

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
/** USM (RFC 3414) rejects passphrases under 8 characters; say so at load time, not at first poll. */
const Key = Type.String({ minLength: 8, maxLength: 256 });
const Label = Type.String({ minLength: 1, maxLength: 128 });

export const SnmpV2cSchema = Type.Object(
  { version: Type.Literal('2c'), community: Type.String({ minLength: 1, maxLength: 255 }) },
  { additionalProperties: false },
);
export const SnmpV3Schema = Type.Object(
  {
    version: Type.Literal('3'),
    user: Type.String({ minLength: 1, maxLength: 32 }),
    authProtocol: literals(AUTH_PROTOCOLS),
    authKey: Key,
    privProtocol: literals(PRIV_PROTOCOLS),
    privKey: Key,
    context: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

/**
 * A device as the collector config's `devices:` list gives it (PRODUCT.md).
 * Shared: the collector validates it at load, the agent again before polling.
 */
export const DeviceConfigSchema = Type.Object(
  {
    // Names become target keys (`name/apMac`), so no slashes or spaces.
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    address: Type.String({ minLength: 1, maxLength: 262 }),
    profile: literals(DEVICE_PROFILES),
    snmp: Type.Union([SnmpV2cSchema, SnmpV3Schema]),
    site: Type.Optional(Label),
    building: Type.Optional(Label),
    room: Type.Optional(Label),
    displayName: Type.Optional(Label),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    /** auto: ping a standalone AP's address, or each controller-managed AP's reported IP. */
    ping: Type.Optional(literals(['auto', 'off'] as const)),
  },
  // The collector config may carry more keys per device (`poller`, future ones).
  { additionalProperties: true },
);
export type DeviceConfig = Static<typeof DeviceConfigSchema>;
export type SnmpCredentials = DeviceConfig['snmp'];

export interface DeviceAddress {
  readonly host: string;
  readonly port: number;
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 address → host and port (default 161). */
export function parseAddress(address: string): DeviceAddress {
  let host = address;
  let port = 161;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((address.match(/:/g) ?? []).length === 1) {
    const [h, p] = address.split(':') as [string, string];
    host = h;
    if (!/^\d+$/.test(p)) throw new Error('port must be a number');
    port = Number(p);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('port must be 1-65535');
  // The host is handed to the `ping` binary as an argument: nothing option-like.
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/;
  if (!isIpAddress(host) && !hostname.test(host)) throw new Error(`'${host}' is not an IP address or host name`);
  return { host, port };
}

/** A bad `devices:` entry; the message names the entry and field, never a credential. */
export class DeviceConfigError extends Error {
  readonly code = 'HM_SNMP_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DeviceConfigError';
  }
}

function configError(message: string): DeviceConfigError {
  return new DeviceConfigError(message);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Pure IPv4/IPv6 literal check (shared/ does no I/O, so no node:net). */
export function isIpAddress(host: string): boolean {
  if (IPV4.test(host)) return true;
  if (!host.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(host)) return false;
  try {
    return new URL(`http://[${host}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Friendly, field-specific checks of the SNMP block; the schema check after it catches the rest. */
function checkSnmp(snmp: unknown, at: string): Record<string, unknown> {
  if (!isRecord(snmp)) throw configError(`${at}.snmp: is required (e.g. { version: 2c, community: … })`);
  // YAML reads `version: 3` as a number.
  const version = snmp.version === 3 ? '3' : snmp.version === 2 ? '2c' : snmp.version;
  const out: Record<string, unknown> = { ...snmp, version };
  if (version === '2c') {
    if (typeof snmp.community !== 'string' || snmp.community === '') throw configError(`${at}.snmp.community: is required for SNMPv2c`);
  } else if (version === '3') {
    for (const field of ['user', 'authProtocol', 'authKey', 'privProtocol', 'privKey'] as const) {
      if (snmp[field] === undefined || snmp[field] === '') throw configError(`${at}.snmp.${field}: is required for SNMPv3 (authPriv)`);
    }
    const auth = String(snmp.authProtocol).toLowerCase();
    const priv = String(snmp.privProtocol).toLowerCase();
    if (!(AUTH_PROTOCOLS as readonly string[]).includes(auth)) {
      throw configError(`${at}.snmp.authProtocol: unknown protocol (expected one of ${AUTH_PROTOCOLS.join(', ')})`);
    }
    if (!(PRIV_PROTOCOLS as readonly string[]).includes(priv)) {
      throw configError(`${at}.snmp.privProtocol: unknown protocol (expected one of ${PRIV_PROTOCOLS.join(', ')})`);
    }
    out.authProtocol = auth;
    out.privProtocol = priv;
  } else {
    throw configError(`${at}.snmp.version: must be 2c or 3`);
  }
  // Checked against the one schema of its version: a union would only say "unsupported value".
  const res = checkConfig(version === '2c' ? SnmpV2cSchema : SnmpV3Schema, out);
  if (!res.ok) throw configError(`${at}.snmp.${res.field}: ${res.problem}`);
  return out;
}

/**
 * Validates the `devices:` list once at load: returns frozen devices, or throws
 * one DeviceConfigError (HM_SNMP_CONFIG) whose one-line message names the entry and
 * field. Messages never contain credential values.
 */
export function validateDevices(raw: unknown, source = 'devices'): readonly DeviceConfig[] {
  if (raw === undefined || raw === null) return Object.freeze([]);
  if (!Array.isArray(raw)) throw configError(`${source}: must be a list of devices`);
  const seen = new Set<string>();
  const devices: DeviceConfig[] = [];
  raw.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) throw configError(`${source}[${i}]: must be a mapping with name, address, profile and snmp`);
    const name = typeof entry.name === 'string' ? entry.name : undefined;
    const at = name ? `${source}[${i}] (${name})` : `${source}[${i}]`;
    if (!name) throw configError(`${at}.name: is required`);
    if (entry.profile === undefined) throw configError(`${at}.profile: is required`);
    if (!(DEVICE_PROFILES as readonly unknown[]).includes(entry.profile)) {
      throw configError(`${at}.profile: unknown profile '${String(entry.profile).slice(0, 40)}' (expected one of ${DEVICE_PROFILES.join(', ')})`);
    }
    const snmp = checkSnmp(entry.snmp, at);
    if (typeof entry.address !== 'string' || entry.address === '') throw configError(`${at}.address: is required`);
    try {
      parseAddress(entry.address);
    } catch (err) {
      throw configError(`${at}.address: ${(err as Error).message}`);
    }
    const res = checkConfig(DeviceConfigSchema, { ...entry, snmp });
    if (!res.ok) throw configError(`${at}.${res.field}: ${res.problem}`);
    if (seen.has(name)) throw configError(`${at}.name: duplicate device name`);
    seen.add(name);
    devices.push(res.value);
  });
  return deepFreeze(devices);
}

/** The secrets of a device, for redaction. */
export function deviceSecrets(device: DeviceConfig): string[] {
  const s = device.snmp;
  return s.version === '2c' ? [s.community] : [s.authKey, s.privKey];
}
