/**
 * SNMP values as the profiles see them: tagged by their SMI type, so a mapping
 * function can tell an Integer32 from an OctetString that happens to hold digits
 * and reject the wrong one instead of guessing.
 */
export type SnmpValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'counter'; readonly value: number }
  | { readonly kind: 'gauge'; readonly value: number }
  | { readonly kind: 'ticks'; readonly value: number }
  | { readonly kind: 'counter64'; readonly value: bigint }
  | { readonly kind: 'octets'; readonly value: Uint8Array }
  | { readonly kind: 'oid'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'other'; readonly type: number };

export type SnmpKind = SnmpValue['kind'];

/** One table: row index (dotted sub-ids after the column) → column number → value. */
export type RawTable = ReadonlyMap<string, ReadonlyMap<number, SnmpValue>>;

/** Everything one poll fetched, keyed by numeric OID without a leading dot. */
export interface RawData {
  readonly scalars: ReadonlyMap<string, SnmpValue>;
  readonly tables: ReadonlyMap<string, RawTable>;
}

/** Human name of a kind for error messages. */
export const KIND_NAMES: Readonly<Record<SnmpKind, string>> = Object.freeze({
  int: 'Integer32',
  counter: 'Counter32',
  gauge: 'Gauge32',
  ticks: 'TimeTicks',
  counter64: 'Counter64',
  octets: 'OctetString',
  oid: 'OBJECT IDENTIFIER',
  ip: 'IpAddress',
  null: 'Null',
  other: 'an unsupported type',
});

export function octets(text: string): SnmpValue {
  return { kind: 'octets', value: new TextEncoder().encode(text) };
}

/** The six sub-ids of a MAC-indexed row → "aa:bb:cc:dd:ee:ff", or undefined if they are not six bytes. */
export function macFromSubIds(subIds: readonly string[]): string | undefined {
  if (subIds.length !== 6) return undefined;
  const bytes: string[] = [];
  for (const s of subIds) {
    if (!/^\d{1,3}$/.test(s)) return undefined;
    const n = Number(s);
    if (n > 255) return undefined;
    bytes.push(n.toString(16).padStart(2, '0'));
  }
  return bytes.join(':');
}

/**
 * Splits a MAC-prefixed row index ("0.17.34.51.68.85" or "0.17.34.51.68.85.1")
 * into the AP's MAC and the rest (radio slot), or undefined when malformed.
 */
export function splitMacIndex(index: string): { mac: string; rest: string } | undefined {
  const parts = index.split('.');
  if (parts.length < 6) return undefined;
  const mac = macFromSubIds(parts.slice(0, 6));
  if (!mac) return undefined;
  return { mac, rest: parts.slice(6).join('.') };
}

/** Octets as text when they are printable UTF-8, else undefined. Controllers pad names with NULs and spaces. */
export function octetsToText(bytes: Uint8Array): string | undefined {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, end));
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(text)) return undefined;
  return text;
}

/** A MacAddress value (6 raw octets) → "aa:bb:cc:dd:ee:ff". */
export function octetsToMac(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 6) return undefined;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
