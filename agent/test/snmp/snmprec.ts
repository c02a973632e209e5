import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../../src/snmp/profiles/types.js';
import type { RawData, SnmpValue } from '../../src/snmp/values.js';

/*
 * .snmprec files (`OID|TAG|VALUE`, numeric OID order) are the fixtures for both
 * the real snmpsim peer and the pure profile tests: the same data, read here
 * into the RawData a poll would have fetched.
 */

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface SnmprecLine {
  readonly oid: string;
  readonly tag: string;
  readonly value: string;
}

export function readFixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}.snmprec`, 'utf8');
}

export function parseSnmprec(text: string): SnmprecLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [oid, tag, ...rest] = l.split('|');
      return { oid: oid ?? '', tag: tag ?? '', value: rest.join('|') };
    });
}

function compareOids(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** Lines → file text, sorted in numeric OID order (snmpsim cannot walk anything else). */
export function formatSnmprec(lines: readonly SnmprecLine[]): string {
  return [...lines].sort((a, b) => compareOids(a.oid, b.oid)).map((l) => `${l.oid}|${l.tag}|${l.value}\n`).join('');
}

export function toValue(tag: string, value: string): SnmpValue {
  switch (tag) {
    case '2':
      return { kind: 'int', value: Number(value) };
    case '4':
      return { kind: 'octets', value: new TextEncoder().encode(value) };
    case '4x':
      return { kind: 'octets', value: Uint8Array.from(Buffer.from(value, 'hex')) };
    case '6':
      return { kind: 'oid', value };
    case '64':
      return { kind: 'ip', value };
    case '65':
      return { kind: 'counter', value: Number(value) };
    case '66':
      return { kind: 'gauge', value: Number(value) };
    case '67':
      return { kind: 'ticks', value: Number(value) };
    case '70':
      return { kind: 'counter64', value: BigInt(value) };
    default:
      throw new Error(`unsupported snmprec tag ${tag}`);
  }
}

/** What fetchDevice would have produced for `profile` from a device serving `text`. */
export function rawDataFor(profile: Profile, text: string): RawData {
  const lines = parseSnmprec(text);
  const scalars = new Map<string, SnmpValue>();
  for (const l of lines) scalars.set(l.oid, toValue(l.tag, l.value));
  const tables = new Map<string, Map<string, Map<number, SnmpValue>>>();
  for (const spec of profile.tables) {
    const table = new Map<string, Map<number, SnmpValue>>();
    for (const col of Object.keys(spec.columns).map(Number)) {
      const prefix = `${spec.oid}.1.${col}.`;
      for (const l of lines) {
        if (!l.oid.startsWith(prefix)) continue;
        const index = l.oid.slice(prefix.length);
        let row = table.get(index);
        if (!row) table.set(index, (row = new Map()));
        row.set(col, toValue(l.tag, l.value));
      }
    }
    tables.set(spec.oid, table);
  }
  return { scalars, tables };
}

/** Replaces the value of every line whose OID matches. */
export function withValue(text: string, oid: string, tag: string, value: string): string {
  return formatSnmprec(parseSnmprec(text).map((l) => (l.oid === oid ? { oid, tag, value } : l)));
}

/** Drops every line whose OID contains `fragment` (e.g. an AP's MAC sub-ids: it vanishes). */
export function without(text: string, fragment: string): string {
  return formatSnmprec(parseSnmprec(text).filter((l) => !l.oid.includes(fragment)));
}
