import { BadDataError } from '../errors.js';
import type { RawData } from '../values.js';
import { BOUNDS, facts, opt, optScalarText, rows, sysUptimeSeconds } from './read.js';
import { SYSTEM_OIDS, type ApObservation, type Profile, type RadioObservation, type TableSpec } from './types.js';

// UBNT-UniFi-MIB, answered by the AP itself (standalone).
const MODEL = '1.3.6.1.4.1.41112.1.6.3.3.0';
const VERSION = '1.3.6.1.4.1.41112.1.6.3.6.0';
const RADIO: TableSpec = {
  name: 'unifiRadioTable',
  oid: '1.3.6.1.4.1.41112.1.6.1.1',
  columns: { 3: 'unifiRadioRadio', 6: 'unifiRadioCuTotal' },
  required: false,
};
// One row per SSID per radio: clients are summed per radio, the channel is the radio's.
const VAP: TableSpec = {
  name: 'unifiVapTable',
  oid: '1.3.6.1.4.1.41112.1.6.1.2',
  columns: { 4: 'unifiVapChannel', 8: 'unifiVapNumStations', 9: 'unifiVapRadio', 22: 'unifiVapUp' },
  required: true,
};

function mapUnifi(data: RawData): ApObservation[] {
  const utilization = new Map<string, number>();
  for (const row of rows(data, RADIO, [3])) {
    const util = row.optNum(6, BOUNDS.percent);
    if (util !== undefined) utilization.set(row.text(3), util);
  }
  const radios = new Map<string, { clients?: number; channel?: number }>();
  let anyUp = false;
  for (const row of rows(data, VAP, [9, 22])) {
    const radio = row.text(9);
    if (!/^[a-z0-9]{1,8}$/i.test(radio)) throw new BadDataError(`${row.what(9)}: '${radio.slice(0, 20)}' is not a radio name`);
    const upValue = row.num(22, BOUNDS.status);
    if (upValue !== 1 && upValue !== 2) throw new BadDataError(`${row.what(22)}: expected true(1) or false(2), got ${upValue}`);
    if (upValue === 1) anyUp = true;
    const r = radios.get(radio) ?? {};
    const stations = row.optNum(8, BOUNDS.clients);
    if (stations !== undefined) r.clients = (r.clients ?? 0) + stations;
    r.channel ??= row.optNum(4, BOUNDS.channel);
    radios.set(radio, r);
  }
  const radioList: RadioObservation[] = [...radios].map(([radio, r]) => ({
    radio,
    ...opt('clients', r.clients),
    ...opt('channel', r.channel),
    ...opt('utilizationPercent', utilization.get(radio)),
  }));
  let clients: number | undefined;
  for (const r of radioList) if (r.clients !== undefined) clients = (clients ?? 0) + r.clients;
  return [
    {
      id: '',
      name: optScalarText(data, SYSTEM_OIDS.sysName, 'sysName.0') ?? '',
      up: anyUp,
      ...(anyUp ? {} : { reason: 'all SSIDs down' }),
      ...opt('clients', clients),
      // unifiApSystemUptime's unit is undocumented; sysUpTime (1/100 s) is not.
      uptimeSeconds: sysUptimeSeconds(data),
      radios: radioList,
      facts: facts({ model: optScalarText(data, MODEL, 'unifiApSystemModel.0'), firmware: optScalarText(data, VERSION, 'unifiApSystemVersion.0') }),
    },
  ];
}

export const unifiProfile: Profile = {
  id: 'unifi',
  kind: 'standalone',
  scalars: { [MODEL]: 'unifiApSystemModel', [VERSION]: 'unifiApSystemVersion' },
  tables: [RADIO, VAP],
  map: mapUnifi,
};
