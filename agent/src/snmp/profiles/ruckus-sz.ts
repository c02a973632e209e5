import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { apMacIndex, BOUNDS, facts, opt, rows } from './read.js';
import type { ApObservation, Profile, TableSpec } from './types.js';

// RUCKUS-SZ-WLAN-MIB (SmartZone): one AP table indexed by AP MAC. The MIB has no per-radio table.
const AP: TableSpec = {
  name: 'ruckusSZAPTable',
  oid: '1.3.6.1.4.1.25053.1.4.2.1.1.2.2',
  columns: {
    5: 'ruckusSZAPName',
    6: 'ruckusSZAPUptime',
    7: 'ruckusSZAPFWversion',
    8: 'ruckusSZAPModel',
    10: 'ruckusSZAPIp',
    15: 'ruckusSZAPNumSta',
    16: 'ruckusSZAPConnStatus',
  },
  required: true,
};

/**
 * ruckusSZAPConnStatus is free text. SmartZone says "Connect"/"Online" for a
 * working AP and "Disconnect"/"Offline"/"Provisioned" otherwise; anything
 * unrecognised is treated as not up and its text becomes the reason.
 */
export function szStatusIsUp(text: string): boolean {
  return /^(connect(ed)?|online|up)$/i.test(text.trim());
}

function mapRuckusSz(data: RawData): ApObservation[] {
  return rows(data, AP, [16]).map((row) => {
    const mac = apMacIndex(row);
    const conn = row.text(16);
    if (conn === '') throw new BadDataError(`${row.what(16)}: empty connection status`);
    const up = szStatusIsUp(conn);
    const ip = row.optIp(10);
    return {
      id: mac,
      name: row.optText(5) ?? mac,
      up,
      ...(up ? {} : { reason: conn.slice(0, 64) }),
      ...opt('clients', row.optNum(15, BOUNDS.clients)),
      ...opt('uptimeSeconds', row.optTicksSeconds(6)),
      radios: [],
      facts: facts({ model: row.softText(8), firmware: row.softText(7), mac, ip }),
      ...opt('ip', ip),
    };
  });
}

export const ruckusSzProfile: Profile = { id: 'ruckus-sz', kind: 'controller', scalars: {}, tables: [AP], map: mapRuckusSz };
