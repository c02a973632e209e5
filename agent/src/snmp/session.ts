// Referenced, not just included, so programs that compile this file without src/ (the test typecheck) see the
// declarations; an import cannot name a declaration-only file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./net-snmp-module.d.ts" />
import snmp from 'net-snmp';
import type { SnmpCredentials } from './device-config.js';
import { BadDataError, SnmpError } from './errors.js';
import type { SnmpValue } from './values.js';

export interface SessionOptions {
  readonly host: string;
  readonly port: number;
  readonly credentials: SnmpCredentials;
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface WalkOptions {
  readonly maxRepetitions: number;
  /** A runaway table (or a device that loops) stops here instead of filling memory. */
  readonly maxRows: number;
}

/** One SNMP conversation with one device. Rejects only with SnmpError. */
export interface SnmpSession {
  /** GET; an OID the device does not have is absent from the result. */
  get(oids: readonly string[]): Promise<Map<string, SnmpValue>>;
  /**
   * Walks everything under `oid`; returns (suffix after `oid.`, value) in device
   * order. More than `maxRows` rows rejects with HM_SNMP_BAD_DATA.
   */
  walk(oid: string, opts: WalkOptions): Promise<Array<[string, SnmpValue]>>;
  /** Releases the socket and fails pending requests. Idempotent: the poller may call it twice. */
  close(): void;
}

/** The I/O seam: tests and the bench may swap it; the default talks real SNMP over UDP. */
export interface SnmpSeam {
  open(opts: SessionOptions): SnmpSession;
}

const T = snmp.ObjectType;

/** net-snmp varbind → our tagged value. Anything unexpected becomes `other`, which profiles reject. */
export function toSnmpValue(type: number, value: unknown): SnmpValue {
  switch (type) {
    case T.Integer:
      return typeof value === 'number' ? { kind: 'int', value } : { kind: 'other', type };
    case T.Counter:
      return typeof value === 'number' ? { kind: 'counter', value } : { kind: 'other', type };
    case T.Gauge:
      return typeof value === 'number' ? { kind: 'gauge', value } : { kind: 'other', type };
    case T.TimeTicks:
      return typeof value === 'number' ? { kind: 'ticks', value } : { kind: 'other', type };
    case T.Counter64:
      // net-snmp hands Counter64 over as a big-endian Buffer.
      if (value instanceof Uint8Array) {
        let n = 0n;
        for (const b of value) n = (n << 8n) | BigInt(b);
        return { kind: 'counter64', value: n };
      }
      return typeof value === 'bigint' ? { kind: 'counter64', value } : { kind: 'other', type };
    case T.OctetString:
      return value instanceof Uint8Array ? { kind: 'octets', value: new Uint8Array(value) } : { kind: 'other', type };
    case T.OID:
      return typeof value === 'string' ? { kind: 'oid', value } : { kind: 'other', type };
    case T.IpAddress:
      return typeof value === 'string' ? { kind: 'ip', value } : { kind: 'other', type };
    case T.Null:
      return { kind: 'null' };
    default:
      return { kind: 'other', type };
  }
}

const AUTH_CODES = new Set([snmp.ResponseInvalidCode.EAuthFailure, snmp.ResponseInvalidCode.ECouldNotDecrypt, snmp.ResponseInvalidCode.ENotInTimeWindow]);
/** USM report names net-snmp puts in its message; safe to repeat because they are fixed strings. */
const USM_REASONS = ['Unsupported Security Level', 'Not In Time Window', 'Unknown User Name', 'Unknown Engine ID', 'Wrong Digest', 'Decryption Error'];

/**
 * Library error → SnmpError with our own message. net-snmp's messages can carry
 * the community ("Community 'x' in request does not match…") or key-derived
 * digests, so they are never passed on.
 */
export function mapSnmpError(err: unknown, opts: SessionOptions): SnmpError {
  const target = `${opts.host}:${opts.port}`;
  const e = err as { name?: string; code?: unknown; status?: unknown; message?: string };
  const name = e?.name ?? '';
  if (err instanceof SnmpError) return err;
  if (name === 'RequestTimedOutError') {
    const attempts = opts.retries + 1;
    const hint = opts.credentials.version === '2c' ? 'wrong community or device unreachable' : 'wrong SNMPv3 user/privacy key or device unreachable';
    return new SnmpError('HM_SNMP_TIMEOUT', `no SNMP response from ${target} after ${attempts} attempt(s) of ${opts.timeoutMs} ms (${hint})`, { answered: false });
  }
  if (name === 'ResponseInvalidError') {
    if (AUTH_CODES.has(e.code as number)) {
      const usm = USM_REASONS.find((r) => (e.message ?? '').startsWith(r));
      const why = usm ?? (e.code === snmp.ResponseInvalidCode.ECouldNotDecrypt ? 'could not decrypt the response' : 'authentication digest mismatch');
      return new SnmpError('HM_SNMP_AUTH', `SNMPv3 authentication failed at ${target}: ${why} (check user, authKey, privKey and protocols)`, { answered: true });
    }
    const codeName = typeof e.code === 'number' ? String(snmp.ResponseInvalidCode[e.code] ?? e.code) : 'unknown';
    return new SnmpError('HM_SNMP_PROTOCOL', `invalid SNMP response from ${target} (${codeName})`, { answered: true });
  }
  if (name === 'RequestFailedError') {
    const status = typeof e.status === 'number' ? String(snmp.ErrorStatus[e.status] ?? e.status) : 'error';
    if (status === 'AuthorizationError') {
      return new SnmpError('HM_SNMP_AUTH', `SNMP access denied at ${target} (AuthorizationError: check the view/context for this user)`, { answered: true });
    }
    return new SnmpError('HM_SNMP_PROTOCOL', `SNMP error from ${target}: ${status}`, { answered: true });
  }
  const sysCode = typeof e?.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code) ? e.code : undefined;
  if (sysCode) return new SnmpError('HM_SNMP_NETWORK', `cannot reach ${target}: ${sysCode}`, { answered: false });
  if (name === 'Error' && e.message === 'Socket forcibly closed') {
    return new SnmpError('HM_SNMP_TIMEOUT', `SNMP request to ${target} abandoned (device deadline reached)`, { answered: false });
  }
  return new SnmpError('HM_SNMP_PROTOCOL', `unexpected SNMP failure talking to ${target} (${name || 'unknown error'})`, { answered: false });
}

const AUTH = { md5: 'md5', sha: 'sha', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' } as const;
const PRIV = { aes: 'aes', aes256b: 'aes256b', aes256r: 'aes256r', des: 'des' } as const;

function createRawSession(opts: SessionOptions): snmp.Session {
  const c = opts.credentials;
  const base: snmp.SessionOptions = {
    port: opts.port,
    timeout: opts.timeoutMs,
    retries: opts.retries,
    // Backoff 1: a dead device costs exactly timeout × attempts, which the cycle budget relies on.
    backoff: 1,
    transport: opts.host.includes(':') ? 'udp6' : 'udp4',
  };
  if (c.version === '2c') return snmp.createSession(opts.host, c.community, { ...base, version: snmp.Version2c });
  return snmp.createV3Session(
    opts.host,
    {
      name: c.user,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols[AUTH[c.authProtocol]],
      authKey: c.authKey,
      privProtocol: snmp.PrivProtocols[PRIV[c.privProtocol]],
      privKey: c.privKey,
    },
    { ...base, version: snmp.Version3, context: c.context ?? '' },
  );
}

class NetSnmpSession implements SnmpSession {
  readonly #raw: snmp.Session;
  readonly #opts: SessionOptions;
  #closed = false;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    try {
      this.#raw = createRawSession(opts);
    } catch (err) {
      throw mapSnmpError(err, opts);
    }
    // A malformed datagram makes net-snmp emit 'error'; unhandled, that would crash the agent.
    this.#raw.on('error', () => undefined);
  }

  get(oids: readonly string[]): Promise<Map<string, SnmpValue>> {
    return new Promise((resolve, reject) => {
      this.#raw.get([...oids], (err, varbinds) => {
        if (err) return reject(mapSnmpError(err, this.#opts));
        const out = new Map<string, SnmpValue>();
        for (const vb of varbinds ?? []) {
          if (snmp.isVarbindError(vb)) continue;
          out.set(vb.oid, toSnmpValue(vb.type, vb.value));
        }
        resolve(out);
      });
    });
  }

  walk(oid: string, opts: WalkOptions): Promise<Array<[string, SnmpValue]>> {
    const prefix = `${oid}.`;
    const rows: Array<[string, SnmpValue]> = [];
    let overflow = false;
    return new Promise((resolve, reject) => {
      this.#raw.subtree(
        oid,
        opts.maxRepetitions,
        (varbinds) => {
          for (const vb of varbinds) {
            if (snmp.isVarbindError(vb)) return true;
            if (!vb.oid.startsWith(prefix)) continue;
            if (rows.length >= opts.maxRows) {
              overflow = true;
              return true;
            }
            rows.push([vb.oid.slice(prefix.length), toSnmpValue(vb.type, vb.value)]);
          }
          return false;
        },
        (err) => {
          if (err) reject(mapSnmpError(err, this.#opts));
          else if (overflow) reject(new BadDataError(`${oid}: more than ${opts.maxRows} rows`));
          else resolve(rows);
        },
      );
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#raw.close();
    } catch {
      // Already closed by a socket error: nothing left to release.
    }
  }
}

export function createNetSnmpSeam(): SnmpSeam {
  return { open: (opts) => new NetSnmpSession(opts) };
}
