import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { BOUNDS, facts, opt, optScalarText, rows, sysUptimeSeconds } from './read.js';
import { SYSTEM_OIDS, type ApObservation, type Profile, type RadioObservation, type TableSpec } from './types.js';

// MIKROTIK-MIB mtxrWlApTable, indexed by ifIndex; IF-MIB gives the interface names and states.
const WLAP: TableSpec = {
  name: 'mtxrWlApTable',
  oid: '1.3.6.1.4.1.14988.1.1.1.3',
  columns: { 6: 'mtxrWlApClientCount', 7: 'mtxrWlApFreq' },
  required: true,
};
const IF: TableSpec = { name: 'ifTable', oid: '1.3.6.1.2.1.2.2', columns: { 2: 'ifDescr', 8: 'ifOperStatus' }, required: false };

/** Centre frequency (MHz) → IEEE channel number, or undefined off the Wi-Fi bands. */
export function channelFromMhz(mhz: number): number | undefined {
  if (mhz === 2484) return 14;
  if (mhz >= 2412 && mhz <= 2472) return (mhz - 2407) / 5;
  if (mhz >= 5955 && mhz <= 7115) return (mhz - 5950) / 5;
  if (mhz >= 5160 && mhz <= 5885) return (mhz - 5000) / 5;
  return undefined;
}

function mapMikrotik(data: RawData): ApObservation[] {
  const ifs = new Map(rows(data, IF).map((r) => [r.index, r] as const));
  const radios: RadioObservation[] = [];
  let known = 0;
  let upCount = 0;
  for (const row of rows(data, WLAP)) {
    const iface = ifs.get(row.index);
    const label = iface?.optText(2) ?? `if${row.index}`;
    const freq = row.optNum(7, { min: 0, max: 7200 });
    let channel: number | undefined;
    if (freq !== undefined && freq !== 0) {
      channel = channelFromMhz(freq);
      if (channel === undefined || !Number.isInteger(channel)) throw new BadDataError(`${row.what(7)}: ${freq} MHz is not a Wi-Fi channel`);
    }
    const oper = iface?.optNum(8, BOUNDS.status);
    if (oper !== undefined) {
      known++;
      if (oper === 1) upCount++;
    }
    // mtxrWlApClientCount is declared Counter32 but is a gauge: read as-is, never rated.
    radios.push({ radio: label, ...opt('clients', row.optNum(6, BOUNDS.clients)), ...opt('channel', channel) });
  }
  const up = known === 0 || upCount > 0;
  let clients: number | undefined;
  for (const r of radios) if (r.clients !== undefined) clients = (clients ?? 0) + r.clients;
  return [
    {
      id: '',
      name: optScalarText(data, SYSTEM_OIDS.sysName, 'sysName.0') ?? '',
      up,
      ...(up ? {} : { reason: 'wireless interfaces down' }),
      ...opt('clients', clients),
      uptimeSeconds: sysUptimeSeconds(data),
      radios,
      facts: facts({ model: optScalarText(data, SYSTEM_OIDS.sysDescr, 'sysDescr.0')?.slice(0, 128) }),
    },
  ];
}

export const mikrotikProfile: Profile = { id: 'mikrotik', kind: 'standalone', scalars: {}, tables: [WLAP, IF], map: mapMikrotik };
