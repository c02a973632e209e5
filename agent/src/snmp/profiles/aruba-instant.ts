import { BadDataError } from '../errors.js';
import { KIND_NAMES, octetsToText, type RawData, type SnmpValue } from '../values.js';
import { apMacIndex, BOUNDS, byMac, facts, macIndex, numberValue, opt, rows, sumClients } from './read.js';
import type { ApObservation, Profile, RadioObservation, TableSpec } from './types.js';

// AI-AP-MIB (Aruba Instant virtual controller): one row per AP in the cluster, radios by AP MAC + radio index.
const AP: TableSpec = {
  name: 'aiAccessPointTable',
  oid: '1.3.6.1.4.1.14823.2.3.3.1.2.1',
  columns: { 2: 'aiAPName', 3: 'aiAPIPAddress', 4: 'aiAPSerialNum', 6: 'aiAPModelName', 9: 'aiAPUptime', 11: 'aiAPStatus' },
  required: true,
};
const RADIO: TableSpec = {
  name: 'aiRadioTable',
  oid: '1.3.6.1.4.1.14823.2.3.3.1.2.2',
  columns: { 4: 'aiRadioChannel', 8: 'aiRadioUtilization64', 21: 'aiRadioClientNum' },
  required: false,
};

/**
 * aiRadioChannel is a DisplayString whose first byte carries the primary
 * channel; the following bytes (or high bits) describe the channel width, so
 * the value is masked with 255 as LibreNMS does. Firmware that sends the
 * channel as text ("36E", "149+") is read by its leading number.
 */
export function decodeInstantChannel(v: SnmpValue, what: string): number {
  let channel: number;
  if (v.kind === 'octets') {
    const text = octetsToText(v.value);
    const lead = text === undefined ? undefined : /^(\d{1,3})/.exec(text)?.[1];
    const first = v.value[0];
    if (lead !== undefined && Number(lead) > 0) channel = Number(lead) & 255;
    else if (first !== undefined) channel = first & 255;
    else throw new BadDataError(`${what}: empty channel`);
  } else if (v.kind === 'int' || v.kind === 'gauge') {
    channel = v.value & 255;
  } else {
    throw new BadDataError(`${what}: expected a DisplayString channel, got ${KIND_NAMES[v.kind]}`);
  }
  return numberValue({ kind: 'int', value: channel }, what, BOUNDS.channel);
}

function mapArubaInstant(data: RawData): ApObservation[] {
  const radios = byMac<RadioObservation>(
    rows(data, RADIO).map((row) => {
      const { mac, rest } = macIndex(row);
      if (!/^\d+$/.test(rest)) throw new BadDataError(`${RADIO.name} row ${row.index}: missing radio index`);
      const rawChannel = row.raw(4);
      const ch = rawChannel === undefined ? undefined : decodeInstantChannel(rawChannel, row.what(4));
      return {
        mac,
        item: {
          radio: rest,
          ...opt('clients', row.optNum(21, BOUNDS.clients)),
          ...opt('channel', ch),
          // Utilization64: the 64-second average, steadier than the 4-second one.
          ...opt('utilizationPercent', row.optNum(8, BOUNDS.percent)),
        },
      };
    }),
  );
  return rows(data, AP, [11]).map((row) => {
    const mac = apMacIndex(row);
    const status = row.num(11, BOUNDS.status);
    if (status !== 1 && status !== 2) throw new BadDataError(`${row.what(11)}: unknown status ${status}`);
    const apRadios = radios.get(mac) ?? [];
    const ip = row.optIp(3);
    return {
      id: mac,
      name: row.optText(2) ?? mac,
      up: status === 1,
      ...(status === 1 ? {} : { reason: 'down' }),
      ...opt('clients', sumClients(apRadios)),
      ...opt('uptimeSeconds', row.optTicksSeconds(9)),
      radios: apRadios,
      facts: facts({ model: row.softText(6), serial: row.softText(4), mac, ip }),
      ...opt('ip', ip),
    };
  });
}

export const arubaInstantProfile: Profile = {
  id: 'aruba-instant',
  kind: 'controller',
  scalars: {},
  tables: [AP, RADIO],
  map: mapArubaInstant,
};
