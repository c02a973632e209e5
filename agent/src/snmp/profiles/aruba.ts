import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { apMacIndex, BOUNDS, byMac, facts, macIndex, opt, rows, sumClients } from './read.js';
import type { ApObservation, Profile, RadioObservation, TableSpec } from './types.js';

// WLSX-WLAN-MIB (ArubaOS mobility controller): AP table indexed by AP MAC, radio table by MAC + radio number.
const AP: TableSpec = {
  name: 'wlsxWlanAPTable',
  oid: '1.3.6.1.4.1.14823.2.2.1.5.2.1.4',
  columns: { 2: 'wlanAPIpAddress', 3: 'wlanAPName', 12: 'wlanAPUpTime', 13: 'wlanAPModelName', 19: 'wlanAPStatus' },
  required: true,
};
const RADIO: TableSpec = {
  name: 'wlsxWlanRadioTable',
  oid: '1.3.6.1.4.1.14823.2.2.1.5.2.1.5',
  columns: { 3: 'wlanAPRadioChannel', 6: 'wlanAPRadioUtilization', 7: 'wlanAPRadioNumAssociatedClients' },
  required: false,
};

function mapAruba(data: RawData): ApObservation[] {
  const radios = byMac<RadioObservation>(
    rows(data, RADIO).map((row) => {
      const { mac, rest } = macIndex(row);
      if (!/^\d+$/.test(rest)) throw new BadDataError(`${RADIO.name} row ${row.index}: missing radio number`);
      return {
        mac,
        item: {
          radio: rest,
          ...opt('clients', row.optNum(7, BOUNDS.clients)),
          ...opt('channel', row.optNum(3, BOUNDS.channel)),
          ...opt('utilizationPercent', row.optNum(6, BOUNDS.percent)),
        },
      };
    }),
  );
  return rows(data, AP, [19]).map((row) => {
    const mac = apMacIndex(row);
    const status = row.num(19, BOUNDS.status);
    if (status !== 1 && status !== 2) throw new BadDataError(`${row.what(19)}: unknown status ${status}`);
    const apRadios = radios.get(mac) ?? [];
    const ip = row.optIp(2);
    return {
      id: mac,
      name: row.optText(3) ?? mac,
      up: status === 1,
      ...(status === 1 ? {} : { reason: 'down' }),
      ...opt('clients', sumClients(apRadios)),
      ...opt('uptimeSeconds', row.optTicksSeconds(12)),
      radios: apRadios,
      facts: facts({ model: row.softText(13), mac, ip }),
      ...opt('ip', ip),
    };
  });
}

export const arubaProfile: Profile = { id: 'aruba', kind: 'controller', scalars: {}, tables: [AP, RADIO], map: mapAruba };
