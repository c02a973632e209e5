import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { apMacIndex, BOUNDS, byMac, facts, macIndex, opt, rows, sumClients } from './read.js';
import type { ApObservation, Profile, RadioObservation, TableSpec } from './types.js';

// RUCKUS-ZD-WLAN-MIB (ZoneDirector): AP table by AP MAC, radio stats by AP MAC + radio index.
const AP: TableSpec = {
  name: 'ruckusZDWLANAPTable',
  oid: '1.3.6.1.4.1.25053.1.2.2.1.1.2.1',
  columns: {
    2: 'ruckusZDWLANAPDescription',
    3: 'ruckusZDWLANAPStatus',
    4: 'ruckusZDWLANAPModel',
    6: 'ruckusZDWLANAPUptime',
    7: 'ruckusZDWLANAPSWversion',
    10: 'ruckusZDWLANAPIPAddr',
    15: 'ruckusZDWLANAPNumSta',
  },
  required: true,
};
const RADIO: TableSpec = {
  name: 'ruckusZDWLANAPRadioStatsTable',
  oid: '1.3.6.1.4.1.25053.1.2.2.1.1.2.2',
  columns: { 4: 'ruckusZDWLANAPRadioStatsChannel', 8: 'ruckusZDWLANAPRadioStatsNumSta', 40: 'ruckusZDWLANAPRadioStatsResourceUtil' },
  required: false,
};

const STATUS: Readonly<Record<number, string>> = {
  0: 'disconnected',
  1: 'connected',
  2: 'approvalPending',
  3: 'upgradingFirmware',
  4: 'provisioning',
};

function mapRuckusZd(data: RawData): ApObservation[] {
  const radios = byMac<RadioObservation>(
    rows(data, RADIO).map((row) => {
      const { mac, rest } = macIndex(row);
      if (!/^\d+$/.test(rest)) throw new BadDataError(`${RADIO.name} row ${row.index}: missing radio index`);
      return {
        mac,
        item: {
          radio: rest,
          ...opt('clients', row.optNum(8, BOUNDS.clients)),
          ...opt('channel', row.optNum(4, BOUNDS.channel)),
          ...opt('utilizationPercent', row.optNum(40, BOUNDS.percent)),
        },
      };
    }),
  );
  return rows(data, AP, [3]).map((row) => {
    const mac = apMacIndex(row);
    const status = row.num(3, BOUNDS.status);
    const statusName = STATUS[status];
    if (!statusName) throw new BadDataError(`${row.what(3)}: unknown status ${status}`);
    const apRadios = radios.get(mac) ?? [];
    const ip = row.optIp(10);
    return {
      id: mac,
      name: row.optText(2) ?? mac,
      up: status === 1,
      ...(status === 1 ? {} : { reason: statusName }),
      ...opt('clients', row.optNum(15, BOUNDS.clients) ?? sumClients(apRadios)),
      ...opt('uptimeSeconds', row.optTicksSeconds(6)),
      radios: apRadios,
      facts: facts({ model: row.softText(4), firmware: row.softText(7), mac, ip }),
      ...opt('ip', ip),
    };
  });
}

export const ruckusZdProfile: Profile = { id: 'ruckus-zd', kind: 'controller', scalars: {}, tables: [AP, RADIO], map: mapRuckusZd };
