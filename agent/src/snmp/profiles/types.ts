import type { RawData } from '../values.js';

/** SNMPv2-MIB system group: fetched from every device before its profile runs. */
export const SYSTEM_OIDS = Object.freeze({
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
});

/** A table the profile needs walked: only the listed columns are fetched. */
export interface TableSpec {
  /** MIB name of the table, for error messages. */
  readonly name: string;
  /** Numeric table OID (not the entry OID: walking `table.1.col` is what we do). */
  readonly oid: string;
  /** Column number → MIB object name. */
  readonly columns: Readonly<Record<number, string>>;
  /** An empty required table is bad data (an AP table with no APs means a wrong profile or view). */
  readonly required: boolean;
}

export interface RadioObservation {
  /** Stable per-AP radio id as the vendor numbers it (slot, radio index, interface name). */
  readonly radio: string;
  readonly clients?: number;
  readonly channel?: number;
  readonly utilizationPercent?: number;
}

export interface ApObservation {
  /** The AP's MAC for controller-managed APs; '' for the standalone device itself. */
  readonly id: string;
  readonly name: string;
  readonly up: boolean;
  /** Why an AP is not up, in the vendor's words ("downloading", "disconnected"). */
  readonly reason?: string;
  readonly clients?: number;
  readonly uptimeSeconds?: number;
  readonly radios: readonly RadioObservation[];
  readonly facts: Readonly<Record<string, string | number>>;
  /** Management IP the controller reports, used for ping. */
  readonly ip?: string;
}

export type ProfileId = 'unifi' | 'cisco-wlc' | 'aruba' | 'aruba-instant' | 'ruckus-zd' | 'ruckus-sz' | 'mikrotik' | 'generic';

/**
 * A vendor profile: which OIDs to fetch, and a pure function from the fetched
 * varbinds to AP observations. `map` throws BadDataError on wrong types,
 * missing columns, empty required tables or absurd values.
 */
export interface Profile {
  readonly id: ProfileId;
  /** standalone: the device is the AP. controller: every row of its AP table is an AP. */
  readonly kind: 'standalone' | 'controller';
  /** Extra scalar OIDs → MIB names, fetched with the system group. */
  readonly scalars: Readonly<Record<string, string>>;
  readonly tables: readonly TableSpec[];
  map(data: RawData): ApObservation[];
}
