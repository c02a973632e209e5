import { PROFILES, detectProfile } from './profiles/registry.js';
import { SYSTEM_OIDS, type Profile, type TableSpec } from './profiles/types.js';
import type { SnmpSession } from './session.js';
import { octetsToText, type RawData, type RawTable, type SnmpValue } from './values.js';
import type { DeviceProfileName } from './device-config.js';

export interface FetchOptions {
  readonly maxRepetitions: number;
  readonly maxRowsPerColumn: number;
}

export interface Fetched {
  readonly profile: Profile;
  readonly data: RawData;
}

const SYSTEM = Object.values(SYSTEM_OIDS);

function text(v: SnmpValue | undefined): string | undefined {
  if (v?.kind === 'octets') return octetsToText(v.value);
  if (v?.kind === 'oid') return v.value;
  return undefined;
}

async function fetchTable(session: SnmpSession, spec: TableSpec, opts: FetchOptions): Promise<RawTable> {
  const columns = Object.keys(spec.columns).map(Number);
  // Columns are walked in parallel on one session: one round trip per page, not per column in turn.
  const walked = await Promise.all(
    columns.map((col) => session.walk(`${spec.oid}.1.${col}`, { maxRepetitions: opts.maxRepetitions, maxRows: opts.maxRowsPerColumn })),
  );
  const table = new Map<string, Map<number, SnmpValue>>();
  walked.forEach((rows, i) => {
    const col = columns[i] as number;
    for (const [index, value] of rows) {
      let row = table.get(index);
      if (!row) table.set(index, (row = new Map()));
      row.set(col, value);
    }
  });
  return table;
}

/**
 * One device's raw data: the system group first (it also resolves `auto`),
 * then the profile's scalars and tables. Rejects with the session's SnmpError.
 */
export async function fetchDevice(session: SnmpSession, profileName: DeviceProfileName, opts: FetchOptions): Promise<Fetched> {
  const known = profileName === 'auto' ? undefined : PROFILES[profileName];
  const first = await session.get(known ? [...SYSTEM, ...Object.keys(known.scalars)] : SYSTEM);
  const profile = known ?? PROFILES[detectProfile(text(first.get(SYSTEM_OIDS.sysObjectID)), text(first.get(SYSTEM_OIDS.sysDescr)))];
  const scalars = new Map(first);
  const extra = Object.keys(profile.scalars).filter((oid) => !scalars.has(oid));
  if (!known && extra.length > 0) for (const [k, v] of await session.get(extra)) scalars.set(k, v);
  const tables = new Map<string, RawTable>();
  const fetched = await Promise.all(profile.tables.map((spec) => fetchTable(session, spec, opts)));
  profile.tables.forEach((spec, i) => tables.set(spec.oid, fetched[i] as RawTable));
  return { profile, data: { scalars, tables } };
}
