import { isIP } from 'node:net';
import { BadDataError } from '../errors.js';
import { KIND_NAMES, octetsToMac, octetsToText, splitMacIndex, type RawData, type SnmpValue } from '../values.js';
import { SYSTEM_OIDS, type TableSpec } from './types.js';

/*
 * Typed, bounds-checked reads for profile mapping functions. Every failure is a
 * BadDataError naming the MIB object and row, so a technician can see which
 * column of which device is wrong.
 */

/** Plausibility bounds: a value outside them is a device bug, not a measurement. */
export const BOUNDS = Object.freeze({
  clients: { min: 0, max: 10_000 },
  channel: { min: 1, max: 233 },
  percent: { min: 0, max: 100 },
  status: { min: 0, max: 1_000 },
});

export interface NumberOpts {
  readonly min?: number;
  readonly max?: number;
}

const NUMERIC = new Set(['int', 'gauge', 'counter', 'ticks']);

function describe(v: SnmpValue): string {
  return KIND_NAMES[v.kind];
}

export function numberValue(v: SnmpValue, what: string, opts: NumberOpts = {}): number {
  // Counter32 columns that are really gauges (client counts) are read as-is: never rated.
  if (!NUMERIC.has(v.kind) || !('value' in v) || typeof v.value !== 'number') {
    throw new BadDataError(`${what}: expected a number, got ${describe(v)}`);
  }
  const n = v.value;
  if (!Number.isFinite(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new BadDataError(`${what}: value ${n} is outside ${opts.min ?? '-∞'}..${opts.max ?? '∞'}`);
  }
  return n;
}

export function textValue(v: SnmpValue, what: string): string {
  if (v.kind !== 'octets') throw new BadDataError(`${what}: expected an OctetString, got ${describe(v)}`);
  const t = octetsToText(v.value);
  if (t === undefined) throw new BadDataError(`${what}: not printable text`);
  return t.slice(0, 255);
}

/** IpAddress, or an OctetString holding 4 raw bytes or a dotted address (vendors differ). */
export function ipValue(v: SnmpValue, what: string): string | undefined {
  let ip: string | undefined;
  if (v.kind === 'ip') ip = v.value;
  else if (v.kind === 'octets' && v.value.length === 4) ip = Array.from(v.value).join('.');
  else if (v.kind === 'octets') ip = octetsToText(v.value);
  else throw new BadDataError(`${what}: expected an IpAddress, got ${describe(v)}`);
  if (ip === undefined || ip === '' || ip === '0.0.0.0') return undefined;
  if (!isIP(ip)) throw new BadDataError(`${what}: '${ip.slice(0, 40)}' is not an IP address`);
  return ip;
}

/** One table row with named, typed accessors. */
export class Row {
  constructor(
    readonly table: TableSpec,
    readonly index: string,
    private readonly cells: ReadonlyMap<number, SnmpValue>,
  ) {}

  what(col: number): string {
    return `${this.table.columns[col] ?? `${this.table.name}.${col}`}.${this.index}`;
  }

  has(col: number): boolean {
    return this.cells.has(col);
  }

  /** The untyped cell, for vendor-specific decoders. */
  raw(col: number): SnmpValue | undefined {
    return this.cells.get(col);
  }

  #cell(col: number): SnmpValue {
    const v = this.cells.get(col);
    if (v === undefined) throw new BadDataError(`${this.what(col)}: missing`);
    return v;
  }

  num(col: number, opts?: NumberOpts): number {
    return numberValue(this.#cell(col), this.what(col), opts);
  }

  optNum(col: number, opts?: NumberOpts): number | undefined {
    return this.cells.has(col) ? this.num(col, opts) : undefined;
  }

  text(col: number): string {
    return textValue(this.#cell(col), this.what(col));
  }

  optText(col: number): string | undefined {
    return this.cells.has(col) ? this.text(col) || undefined : undefined;
  }

  /** Text for descriptive facts (model, firmware): a non-text value is dropped, not fatal. */
  softText(col: number): string | undefined {
    const v = this.cells.get(col);
    return v?.kind === 'octets' ? octetsToText(v.value)?.slice(0, 128) || undefined : undefined;
  }

  optIp(col: number): string | undefined {
    return this.cells.has(col) ? ipValue(this.#cell(col), this.what(col)) : undefined;
  }

  optMac(col: number): string | undefined {
    const v = this.cells.get(col);
    return v?.kind === 'octets' ? octetsToMac(v.value) : undefined;
  }

  /** TimeTicks (1/100 s) → whole seconds. */
  optTicksSeconds(col: number): number | undefined {
    const v = this.cells.get(col);
    if (v === undefined) return undefined;
    if (v.kind !== 'ticks' && v.kind !== 'int' && v.kind !== 'gauge') {
      throw new BadDataError(`${this.what(col)}: expected TimeTicks, got ${describe(v)}`);
    }
    return Math.floor(numberValue(v, this.what(col), { min: 0 }) / 100);
  }
}

/**
 * Rows of a fetched table. Checks that the table is not empty when required and
 * that every `requiredColumns` column came back for every row.
 */
export function rows(data: RawData, spec: TableSpec, requiredColumns: readonly number[] = []): Row[] {
  const table = data.tables.get(spec.oid);
  if (!table || table.size === 0) {
    if (spec.required) throw new BadDataError(`${spec.name} is empty (wrong profile, or the SNMP view hides it)`);
    return [];
  }
  const out: Row[] = [];
  for (const [index, cells] of table) {
    const row = new Row(spec, index, cells);
    for (const col of requiredColumns) {
      if (!cells.has(col)) throw new BadDataError(`${row.what(col)}: missing column in ${spec.name}`);
    }
    out.push(row);
  }
  return out;
}

/** The AP MAC of a MAC-indexed row ("0.17.34.51.68.85[.slot]"), or bad data. */
export function macIndex(row: Row): { mac: string; rest: string } {
  const parsed = splitMacIndex(row.index);
  if (!parsed) throw new BadDataError(`${row.table.name} row ${row.index}: index is not a MAC address`);
  return parsed;
}

/** The MAC of an AP-table row, whose index must be exactly the 6 MAC sub-ids. */
export function apMacIndex(row: Row): string {
  const { mac, rest } = macIndex(row);
  if (rest !== '') throw new BadDataError(`${row.table.name} row ${row.index}: index is not a MAC address`);
  return mac;
}

/** sysUpTime in seconds, required: every SNMP agent has it. */
export function sysUptimeSeconds(data: RawData): number {
  const v = data.scalars.get(SYSTEM_OIDS.sysUpTime);
  if (v === undefined) throw new BadDataError('sysUpTime.0: missing');
  if (v.kind !== 'ticks') throw new BadDataError(`sysUpTime.0: expected TimeTicks, got ${describe(v)}`);
  return Math.floor(v.value / 100);
}

export function optScalarText(data: RawData, oid: string, name: string): string | undefined {
  const v = data.scalars.get(oid);
  return v === undefined ? undefined : textValue(v, name) || undefined;
}

/** Groups radio rows by their AP MAC. */
export function byMac<T>(items: ReadonlyArray<{ mac: string; item: T }>): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const { mac, item } of items) {
    const list = m.get(mac);
    if (list) list.push(item);
    else m.set(mac, [item]);
  }
  return m;
}

/** Sum of radio client counts, or undefined when no radio reported one. */
export function sumClients(radios: ReadonlyArray<{ clients?: number }>): number | undefined {
  let sum: number | undefined;
  for (const r of radios) if (r.clients !== undefined) sum = (sum ?? 0) + r.clients;
  return sum;
}

/** Drops undefined values so facts stay a flat string/number map. */
export function facts(entries: Record<string, string | number | undefined>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** `{ key: value }` or `{}` — keeps optional fields absent instead of undefined. */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
