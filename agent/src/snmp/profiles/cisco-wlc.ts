import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { apMacIndex, BOUNDS, byMac, facts, macIndex, opt, rows, sumClients } from './read.js';
import type { ApObservation, Profile, RadioObservation, TableSpec } from './types.js';

// AIRESPACE-WIRELESS-MIB: every table is indexed by the AP's radio MAC (6 sub-ids), radio tables add the slot.
const AP: TableSpec = {
  name: 'bsnAPTable',
  oid: '1.3.6.1.4.1.14179.2.2.1',
  columns: { 3: 'bsnAPName', 6: 'bsnAPOperationStatus', 8: 'bsnAPSoftwareVersion', 16: 'bsnAPModel', 19: 'bsnApIpAddress', 37: 'bsnAPAdminStatus' },
  required: true,
};
const RADIO: TableSpec = {
  name: 'bsnAPIfTable',
  oid: '1.3.6.1.4.1.14179.2.2.2',
  columns: { 4: 'bsnAPIfPhyChannelNumber', 15: 'bsnApIfNoOfUsers' },
  required: false,
};
const LOAD: TableSpec = {
  name: 'bsnAPIfLoadParametersTable',
  oid: '1.3.6.1.4.1.14179.2.2.13',
  columns: { 3: 'bsnAPIfLoadChannelUtilization' },
  required: false,
};
// CISCO-LWAPP-AP-MIB, same MAC index: the AP's own uptime and client total.
const LWAPP: TableSpec = {
  name: 'cLApTable',
  oid: '1.3.6.1.4.1.9.9.513.1.1.1',
  columns: { 6: 'cLApUpTime', 54: 'cLApAssociatedClientCount' },
  required: false,
};

const OPER_STATUS: Readonly<Record<number, string>> = { 1: 'associated', 2: 'disassociating', 3: 'downloading' };

function mapCiscoWlc(data: RawData): ApObservation[] {
  const utilization = new Map<string, number>();
  for (const row of rows(data, LOAD)) utilization.set(row.index, row.num(3, BOUNDS.percent));

  const radios = byMac<RadioObservation>(
    rows(data, RADIO).map((row) => {
      const { mac, rest } = macIndex(row);
      if (!/^\d+$/.test(rest)) throw new BadDataError(`${RADIO.name} row ${row.index}: missing slot number`);
      const util = utilization.get(row.index);
      return {
        mac,
        item: {
          radio: rest,
          ...opt('clients', row.optNum(15, BOUNDS.clients)),
          ...opt('channel', row.optNum(4, BOUNDS.channel)),
          ...opt('utilizationPercent', util),
        },
      };
    }),
  );

  const lwapp = new Map(rows(data, LWAPP).map((row) => [macIndex(row).mac, row] as const));

  return rows(data, AP, [6]).map((row) => {
    const mac = apMacIndex(row);
    const status = row.num(6, BOUNDS.status);
    const statusName = OPER_STATUS[status];
    if (!statusName) throw new BadDataError(`${row.what(6)}: unknown status ${status}`);
    const adminDisabled = row.has(37) && row.num(37, BOUNDS.status) === 2;
    const apRadios = radios.get(mac) ?? [];
    const l = lwapp.get(mac);
    const clients = l?.optNum(54, BOUNDS.clients) ?? sumClients(apRadios);
    const uptime = l?.optTicksSeconds(6);
    const ip = row.optIp(19);
    const up = status === 1 && !adminDisabled;
    return {
      id: mac,
      name: row.optText(3) ?? mac,
      up,
      ...(up ? {} : { reason: adminDisabled ? 'admin disabled' : statusName }),
      ...opt('clients', clients),
      ...opt('uptimeSeconds', uptime),
      radios: apRadios,
      facts: facts({ model: row.softText(16), firmware: row.softText(8), mac, ip }),
      ...opt('ip', ip),
    };
  });
}

export const ciscoWlcProfile: Profile = {
  id: 'cisco-wlc',
  kind: 'controller',
  scalars: {},
  tables: [AP, RADIO, LOAD, LWAPP],
  map: mapCiscoWlc,
};
