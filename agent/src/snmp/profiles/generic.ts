import type { RawData } from '../values.js';
import { BOUNDS, facts, optScalarText, rows, sysUptimeSeconds } from './read.js';
import { SYSTEM_OIDS, type ApObservation, type Profile, type TableSpec } from './types.js';

// SNMPv2-MIB + IF-MIB only: what every AP answers, including ones without a vendor MIB.
const IF: TableSpec = { name: 'ifTable', oid: '1.3.6.1.2.1.2.2', columns: { 2: 'ifDescr', 3: 'ifType', 8: 'ifOperStatus' }, required: true };
const IEEE80211 = 71;

/**
 * The AP is up when it answers; it is reported down when it has 802.11
 * interfaces and none of them is operationally up (radios off, not serving).
 */
function mapGeneric(data: RawData): ApObservation[] {
  let wireless = 0;
  let wirelessUp = 0;
  for (const row of rows(data, IF, [3, 8])) {
    if (row.num(3, { min: 0, max: 1_000 }) !== IEEE80211) continue;
    wireless++;
    if (row.num(8, BOUNDS.status) === 1) wirelessUp++;
  }
  const up = wireless === 0 || wirelessUp > 0;
  return [
    {
      id: '',
      name: optScalarText(data, SYSTEM_OIDS.sysName, 'sysName.0') ?? '',
      up,
      ...(up ? {} : { reason: 'wireless interfaces down' }),
      uptimeSeconds: sysUptimeSeconds(data),
      radios: [],
      facts: facts({ model: optScalarText(data, SYSTEM_OIDS.sysDescr, 'sysDescr.0')?.slice(0, 128) }),
    },
  ];
}

export const genericProfile: Profile = { id: 'generic', kind: 'standalone', scalars: {}, tables: [IF], map: mapGeneric };
