/**
 * Error codes of the SNMP poller. A code, once published, keeps its meaning:
 * alert rules and the dashboard match on them.
 */
export const SNMP_ERRORS = Object.freeze({
  HM_SNMP_CONFIG: 'a device entry in the config is invalid',
  HM_SNMP_TIMEOUT: 'the device did not answer in time (unreachable, wrong community or SNMPv3 credentials)',
  HM_SNMP_AUTH: 'SNMPv3 authentication or privacy failed (wrong user, key or protocol)',
  HM_SNMP_BAD_DATA: 'the device answered with wrong types, missing columns, empty tables or absurd values',
  HM_SNMP_PROTOCOL: 'the device answered with an SNMP error or a malformed response',
  HM_SNMP_NETWORK: 'the request could not be sent (name resolution or socket error)',
  HM_SNMP_CLOSED: 'the poller was closed',
} as const);

export type SnmpErrorCode = keyof typeof SNMP_ERRORS;

/**
 * A poll failure with a stable code. Messages are built by this package from
 * fixed text, OIDs and host names only — never from library messages, which can
 * echo a community string or key-derived digests.
 */
export class SnmpError extends Error {
  readonly code: SnmpErrorCode;
  /** True when the device did answer SNMP (bad data, protocol errors): it is alive. */
  readonly answered: boolean;
  constructor(code: SnmpErrorCode, message: string, options?: { answered?: boolean; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SnmpError';
    this.code = code;
    this.answered = options?.answered ?? (code === 'HM_SNMP_BAD_DATA' || code === 'HM_SNMP_PROTOCOL');
  }
}

/** Thrown by profile mapping functions; the poller turns it into HM_SNMP_BAD_DATA. */
export class BadDataError extends SnmpError {
  constructor(message: string) {
    super('HM_SNMP_BAD_DATA', message, { answered: true });
    this.name = 'BadDataError';
  }
}

/**
 * Replaces every occurrence of a secret in a text. A second line of defence:
 * messages are built from safe parts, but a device could echo its community
 * into a status column that ends up in a reason. Secrets under 6 characters
 * are skipped: masking "x" or "abc" would garble ordinary words, and such a
 * secret protects nothing anyway.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 6) out = out.split(s).join('***');
  }
  return out;
}
