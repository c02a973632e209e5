import { describe, expect, it } from 'vitest';
import { BadDataError } from '../../src/snmp/errors.js';
import { decodeInstantChannel } from '../../src/snmp/profiles/aruba-instant.js';
import { channelFromMhz } from '../../src/snmp/profiles/mikrotik.js';
import { detectProfile, PROFILES } from '../../src/snmp/profiles/registry.js';
import { szStatusIsUp } from '../../src/snmp/profiles/ruckus-sz.js';
import type { ApObservation, ProfileId } from '../../src/snmp/profiles/types.js';
import { macFromSubIds, octets, splitMacIndex } from '../../src/snmp/values.js';
import { rawDataFor, readFixture, withValue } from './snmprec.js';

// Profiles are pure: fixture varbinds in, observations out — no SNMP involved.
function mapFixture(profile: ProfileId, fixture: string = profile): ApObservation[] {
  return PROFILES[profile].map(rawDataFor(PROFILES[profile], readFixture(fixture)));
}

function byName(aps: ApObservation[], name: string): ApObservation {
  const ap = aps.find((a) => a.name === name);
  if (!ap) throw new Error(`no AP ${name}`);
  return ap;
}

describe('MAC-indexed tables', () => {
  it('decodes six sub-ids into aa:bb:cc:dd:ee:ff', () => {
    expect(macFromSubIds(['0', '17', '34', '51', '68', '255'])).toBe('00:11:22:33:44:ff');
    expect(macFromSubIds(['0', '17', '34', '51', '68'])).toBeUndefined();
    expect(macFromSubIds(['0', '17', '34', '51', '68', '256'])).toBeUndefined();
    expect(splitMacIndex('0.17.34.51.68.1.2')).toEqual({ mac: '00:11:22:33:44:01', rest: '2' });
  });
});

describe('cisco-wlc (AIRESPACE + CISCO-LWAPP)', () => {
  const aps = mapFixture('cisco-wlc');
  it('reports every AP the controller knows, keyed by MAC', () => {
    expect(aps.map((a) => a.id)).toEqual(['00:11:22:33:44:01', '00:11:22:33:44:02', '00:11:22:33:44:03']);
  });
  it('maps radios, client counts (a Counter32 that is a gauge, taken as-is) and uptime', () => {
    const lib = byName(aps, 'ap-library');
    expect(lib.up).toBe(true);
    expect(lib.clients).toBe(14);
    expect(lib.uptimeSeconds).toBe(7200);
    expect(lib.radios).toEqual([
      { radio: '0', clients: 3, channel: 1, utilizationPercent: 22 },
      { radio: '1', clients: 9, channel: 44, utilizationPercent: 17 },
      { radio: '2', clients: 2, channel: 37, utilizationPercent: 5 },
    ]);
    expect(lib.facts).toEqual({ model: 'AIR-AP2802I-E-K9', firmware: '8.10.185.0', mac: '00:11:22:33:44:02', ip: '127.0.0.12' });
  });
  it('reports a downloading AP as down with the vendor reason', () => {
    expect(byName(aps, 'ap-room-101')).toMatchObject({ up: false, reason: 'downloading' });
  });
});

describe('aruba (WLSX)', () => {
  const aps = mapFixture('aruba');
  it('maps APs and radios; status down(2) is down', () => {
    expect(aps).toHaveLength(3);
    expect(byName(aps, 'aruba-ap-1')).toMatchObject({ up: true, clients: 19, uptimeSeconds: 1000, ip: '127.0.0.21' });
    expect(byName(aps, 'aruba-ap-1').radios).toContainEqual({ radio: '1', clients: 15, channel: 36, utilizationPercent: 40 });
    expect(byName(aps, 'aruba-ap-3')).toMatchObject({ up: false, reason: 'down', radios: [] });
  });
});

describe('aruba-instant (AI-AP-MIB)', () => {
  const aps = mapFixture('aruba-instant');
  it('decodes the byte-encoded channel (first byte & 255) and text channels', () => {
    expect(byName(aps, 'iap-hall').radios.map((r) => r.channel)).toEqual([6, 36]);
    expect(byName(aps, 'iap-office').radios.map((r) => r.channel)).toEqual([11, 149]);
    expect(byName(aps, 'iap-lab')).toMatchObject({ up: false, reason: 'down' });
    expect(byName(aps, 'iap-lab').radios.map((r) => r.channel)).toEqual([1, 48]);
  });
  it('masks an integer-encoded channel and rejects junk', () => {
    expect(decodeInstantChannel({ kind: 'int', value: 0x0224 }, 'x')).toBe(36);
    expect(decodeInstantChannel(octets('36E'), 'x')).toBe(36);
    expect(() => decodeInstantChannel({ kind: 'octets', value: new Uint8Array([0]) }, 'aiRadioChannel.1')).toThrow(BadDataError);
    expect(() => decodeInstantChannel({ kind: 'ip', value: '1.2.3.4' }, 'x')).toThrow(/expected a DisplayString/);
  });
});

describe('ruckus', () => {
  it('zd: disconnected(0) is down, radios by MAC + index', () => {
    const aps = mapFixture('ruckus-zd');
    expect(byName(aps, 'zd-ap-1')).toMatchObject({ up: true, clients: 20, uptimeSeconds: 700 });
    expect(byName(aps, 'zd-ap-1').radios).toEqual([
      { radio: '0', clients: 6, channel: 1, utilizationPercent: 18 },
      { radio: '1', clients: 14, channel: 40, utilizationPercent: 26 },
    ]);
    expect(byName(aps, 'zd-ap-3')).toMatchObject({ up: false, reason: 'disconnected' });
  });
  it('sz: free-text connection status', () => {
    const aps = mapFixture('ruckus-sz');
    expect(aps.filter((a) => a.up).map((a) => a.name)).toEqual(['sz-ap-1', 'sz-ap-2', 'sz-ap-4']);
    expect(byName(aps, 'sz-ap-3')).toMatchObject({ up: false, reason: 'Disconnect' });
    expect(szStatusIsUp(' connected ')).toBe(true);
    expect(szStatusIsUp('Provisioned')).toBe(false);
  });
});

describe('standalone profiles', () => {
  it('unifi: sums clients per radio across SSIDs, utilization from the radio table', () => {
    const [ap] = mapFixture('unifi');
    expect(ap).toMatchObject({ id: '', name: 'ap-unifi-1', up: true, clients: 35, uptimeSeconds: 86_400 });
    expect(ap?.radios).toEqual([
      { radio: 'ng', clients: 11, channel: 6, utilizationPercent: 41 },
      { radio: 'na', clients: 24, channel: 44, utilizationPercent: 17 },
    ]);
    expect(ap?.facts).toEqual({ model: 'U6-Pro', firmware: '6.6.55.15189' });
  });
  it('unifi: an AP with every SSID down is down', () => {
    expect(mapFixture('unifi', 'unifi-down')[0]).toMatchObject({ up: false, reason: 'all SSIDs down' });
  });
  it('mikrotik: frequency → channel, interface names as radio labels', () => {
    const [ap] = mapFixture('mikrotik');
    expect(ap?.radios).toEqual([
      { radio: 'wlan1', clients: 7, channel: 6 },
      { radio: 'wlan2', clients: 13, channel: 36 },
    ]);
    expect(channelFromMhz(2484)).toBe(14);
    expect(channelFromMhz(5955)).toBe(1);
    expect(channelFromMhz(900)).toBeUndefined();
  });
  it('generic: up when some 802.11 interface is up, down when none is', () => {
    const text = readFixture('generic');
    expect(mapFixture('generic')[0]).toMatchObject({ up: true, uptimeSeconds: 86_400, radios: [] });
    const down = withValue(text, '1.3.6.1.2.1.2.2.1.8.3', '2', '2');
    expect(PROFILES.generic.map(rawDataFor(PROFILES.generic, down))[0]).toMatchObject({ up: false, reason: 'wireless interfaces down' });
  });
});

describe('bad data is an error naming the object, never a guess', () => {
  const cases: Array<[ProfileId, string, RegExp]> = [
    ['cisco-wlc', 'bad-types', /bsnAPOperationStatus\.0\.17\.34\.51\.68\.1: expected a number, got OctetString/],
    ['cisco-wlc', 'empty-table', /bsnAPTable is empty/],
    ['aruba', 'absurd', /wlanAPRadioUtilization\.0\.17\.34\.51\.68\.1\.0: value 250 is outside 0\.\.100/],
    ['ruckus-sz', 'missing-column', /ruckusSZAPConnStatus\.0\.17\.34\.51\.68\.1: missing column/],
  ];
  it.each(cases)('%s / %s', (profile, fixture, message) => {
    expect(() => mapFixture(profile, fixture)).toThrow(message);
  });
  it('rejects absurd client counts, unknown status values and non-MAC indexes', () => {
    const text = readFixture('cisco-wlc');
    const tooMany = withValue(text, '1.3.6.1.4.1.14179.2.2.2.1.15.0.17.34.51.68.1.0', '65', '4000000000');
    expect(() => PROFILES['cisco-wlc'].map(rawDataFor(PROFILES['cisco-wlc'], tooMany))).toThrow(/bsnApIfNoOfUsers.*outside/);
    const status = withValue(text, '1.3.6.1.4.1.14179.2.2.1.1.6.0.17.34.51.68.2', '2', '9');
    expect(() => PROFILES['cisco-wlc'].map(rawDataFor(PROFILES['cisco-wlc'], status))).toThrow(/unknown status 9/);
    const badIndex = `${readFixture('ruckus-sz')}1.3.6.1.4.1.25053.1.4.2.1.1.2.2.1.16.1.2.3|4|Connect\n`;
    expect(() => PROFILES['ruckus-sz'].map(rawDataFor(PROFILES['ruckus-sz'], badIndex))).toThrow(/index is not a MAC/);
  });
});

describe('auto detection', () => {
  it.each([
    ['1.3.6.1.4.1.8072.3.2.10', 'U6-Pro 6.6.55', 'unifi'],
    ['1.3.6.1.4.1.41112.1.6', '', 'unifi'],
    ['1.3.6.1.4.1.9.1.1069', 'Cisco Controller', 'cisco-wlc'],
    ['1.3.6.1.4.1.9.1.1', 'Cisco IOS Software', 'generic'],
    ['1.3.6.1.4.1.14823.1.1.32', 'ArubaOS (MODEL: Aruba7030)', 'aruba'],
    ['1.3.6.1.4.1.14823.1.2.111', 'ArubaOS Version 8.10.0.6 Instant', 'aruba-instant'],
    ['1.3.6.1.4.1.25053.3.1.5.15', '', 'ruckus-zd'],
    ['1.3.6.1.4.1.25053.3.1.11.1', '', 'ruckus-sz'],
    ['1.3.6.1.4.1.14988.1', 'RouterOS RB951', 'mikrotik'],
    ['1.3.6.1.4.1.8072.3.2.10', 'Linux ap 5.10', 'generic'],
    [undefined, undefined, 'generic'],
  ])('%s %s → %s', (oid, descr, expected) => {
    expect(detectProfile(oid, descr)).toBe(expected);
  });
});
