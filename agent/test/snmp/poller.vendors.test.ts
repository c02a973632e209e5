import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller } from '../../src/snmp/poller.js';
import { captureLogger, devices, result, silentUdpPort, target, v2c, value } from './helpers.js';
import { SNMPSIM_AVAILABLE, SNMPSIM_MISSING_MESSAGE, Snmpsim, type V3User } from './snmpsim.js';
import { readFixture } from './snmprec.js';

/*
 * The poller against a real SNMP peer (snmpsimd), one data file per simulated
 * device. Needs `apt-get install snmpsim snmp`; skips with a message otherwise.
 */

if (!SNMPSIM_AVAILABLE) console.warn(SNMPSIM_MISSING_MESSAGE);

const VENDORS = ['cisco-wlc', 'aruba', 'aruba-instant', 'ruckus-zd', 'ruckus-sz', 'unifi', 'mikrotik', 'generic'] as const;
const BROKEN = ['bad-types', 'empty-table', 'absurd', 'missing-column'] as const;
const V3: V3User[] = [
  { user: 'mon-sha', authProto: 'SHA', authKey: 'auth-sha-secret1', privProto: 'AES', privKey: 'priv-aes-secret1' },
  { user: 'mon-sha256', authProto: 'SHA256', authKey: 'auth-sha256-secret', privProto: 'AES256', privKey: 'priv-aes256-secret' },
  { user: 'mon-sha512', authProto: 'SHA512', authKey: 'auth-sha512-secret', privProto: 'AES', privKey: 'priv-aes-secret2' },
];
const SECRETS = ['public-but-secret', ...V3.flatMap((u) => [u.authKey, u.privKey]), 'wrong-key-secret'];

describe.skipIf(!SNMPSIM_AVAILABLE)('DevicePoller against snmpsim: vendors, auth, errors', () => {
  let sim: Snmpsim;
  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (const f of [...VENDORS, ...BROKEN]) files[f] = readFixture(f);
    sim = await Snmpsim.start({ files, v3Users: V3 });
  });
  afterAll(async () => {
    await sim?.cleanup();
  });

  it('polls every vendor profile over v2c; controller APs are their own targets', async () => {
    const poller = new DevicePoller();
    poller.setDevices(devices(...VENDORS.map((v) => v2c(`dev-${v}`, sim.address, v, v))));
    const results = await poller.pollAll();
    await poller.close();
    for (const r of results) expect(r, r.device).toMatchObject({ ok: true, profile: r.device.slice(4) });

    const wlc = result(results, 'dev-cisco-wlc');
    expect(wlc.targets.map((t) => t.key)).toEqual(['dev-cisco-wlc/00:11:22:33:44:01', 'dev-cisco-wlc/00:11:22:33:44:02', 'dev-cisco-wlc/00:11:22:33:44:03']);
    const lib = target(wlc, 'dev-cisco-wlc/00:11:22:33:44:02');
    expect(lib).toMatchObject({ name: 'ap-library', kind: 'ap', up: true });
    expect(lib.facts).toMatchObject({ mac: '00:11:22:33:44:02', ip: '127.0.0.12', model: 'AIR-AP2802I-E-K9', controller: 'dev-cisco-wlc' });
    expect(value(lib, 'wifi_ap_up')).toBe(1);
    expect(value(lib, 'wifi_ap_clients')).toBe(14);
    expect(value(lib, 'wifi_ap_uptime_seconds')).toBe(7200);
    expect(value(lib, 'wifi_radio_channel', { radio: '2' })).toBe(37);
    expect(value(lib, 'wifi_radio_clients', { radio: '1' })).toBe(9);
    expect(value(lib, 'wifi_radio_utilization_percent', { radio: '0' })).toBe(22);
    expect(target(wlc, 'dev-cisco-wlc/00:11:22:33:44:03')).toMatchObject({ up: false, reason: 'downloading' });

    const instant = result(results, 'dev-aruba-instant');
    expect(value(target(instant, 'dev-aruba-instant/00:11:22:33:44:01'), 'wifi_radio_channel', { radio: '1' })).toBe(36);
    expect(target(result(results, 'dev-ruckus-zd'), 'dev-ruckus-zd/00:11:22:33:44:03')).toMatchObject({ up: false, reason: 'disconnected' });
    expect(result(results, 'dev-ruckus-sz').targets.filter((t) => !t.up).map((t) => t.reason)).toEqual(['Disconnect']);
    expect(result(results, 'dev-aruba').targets.filter((t) => !t.up)).toHaveLength(1);

    const unifi = target(result(results, 'dev-unifi'), 'dev-unifi');
    expect(unifi).toMatchObject({ up: true, facts: { model: 'U6-Pro', firmware: '6.6.55.15189' } });
    expect(value(unifi, 'wifi_radio_clients', { radio: 'na' })).toBe(24);
    expect(value(target(result(results, 'dev-mikrotik'), 'dev-mikrotik'), 'wifi_radio_channel', { radio: 'wlan2' })).toBe(36);
    expect(target(result(results, 'dev-generic'), 'dev-generic').up).toBe(true);
  });

  it('auto picks the profile from sysObjectID and sysDescr', async () => {
    const poller = new DevicePoller();
    poller.setDevices(devices(...VENDORS.map((v) => v2c(`auto-${v}`, sim.address, v, 'auto'))));
    const results = await poller.pollAll();
    await poller.close();
    expect(results.map((r) => [r.device, r.ok, r.profile])).toEqual(VENDORS.map((v) => [`auto-${v}`, true, v]));
  });

  it('SNMPv3 authPriv works with SHA/AES and SHA-2/AES-256, and credentials never reach the output', async () => {
    const log = captureLogger();
    const poller = new DevicePoller({ logger: log });
    const v3 = (u: V3User, priv: string): Record<string, unknown> => ({
      version: 3,
      user: u.user,
      authProtocol: u.authProto.toLowerCase(),
      authKey: u.authKey,
      privProtocol: priv,
      privKey: u.privKey,
      context: 'aruba',
    });
    const [u1, u2, u3] = V3 as [V3User, V3User, V3User];
    poller.setDevices(
      devices(
        { name: 'v3-sha-aes', address: sim.address, profile: 'aruba', snmp: v3(u1, 'aes'), ping: 'off' },
        { name: 'v3-sha256-aes256', address: sim.address, profile: 'aruba', snmp: v3(u2, 'aes256r'), ping: 'off' },
        { name: 'v3-sha512-aes', address: sim.address, profile: 'aruba', snmp: v3(u3, 'aes'), ping: 'off' },
        { name: 'v3-wrong-key', address: sim.address, profile: 'aruba', snmp: { ...v3(u1, 'aes'), authKey: 'wrong-key-secret' }, ping: 'off' },
        // A wrong privacy key passes authentication; the agent cannot decrypt and stays silent.
        { name: 'v3-wrong-priv', address: sim.address, profile: 'aruba', snmp: { ...v3(u1, 'aes'), privKey: 'wrong-key-secret' }, ping: 'off', timeoutMs: 500, retries: 0 },
      ),
    );
    const results = await poller.pollAll();
    await poller.close();
    for (const name of ['v3-sha-aes', 'v3-sha256-aes256', 'v3-sha512-aes']) {
      expect(result(results, name)).toMatchObject({ ok: true, profile: 'aruba' });
      expect(result(results, name).targets).toHaveLength(3);
    }
    const wrong = result(results, 'v3-wrong-key');
    expect(wrong.ok).toBe(false);
    expect(wrong.error?.code).toBe('HM_SNMP_AUTH');
    expect(wrong.error?.message).toMatch(/SNMPv3 authentication failed at 127\.0\.0\.1:\d+: authentication digest mismatch/);
    expect(result(results, 'v3-wrong-priv').error).toEqual({
      code: 'HM_SNMP_TIMEOUT',
      message: expect.stringMatching(/after 1 attempt\(s\) of 500 ms \(wrong SNMPv3 user\/privacy key or device unreachable\)/),
    });
    const everything = JSON.stringify(results) + log.lines.join('\n');
    for (const s of SECRETS) expect(everything).not.toContain(s);
  });

  it('wrong community is a per-device timeout; a dead device costs only its own slot', async () => {
    const silent = await silentUdpPort();
    const log = captureLogger();
    const poller = new DevicePoller({ logger: log });
    poller.setDevices(
      devices(
        v2c('wrong-community', sim.address, 'public-but-secret', 'cisco-wlc'),
        v2c('dead', `127.0.0.1:${silent.port}`, 'cisco-wlc', 'cisco-wlc', { timeoutMs: 1500, retries: 1 }),
        v2c('fine-1', sim.address, 'ruckus-zd', 'ruckus-zd'),
        v2c('fine-2', sim.address, 'unifi', 'unifi'),
      ),
    );
    const started = performance.now();
    const results = await poller.pollAll();
    const wall = performance.now() - started;
    await poller.close();
    await silent.close();

    const wrong = result(results, 'wrong-community');
    expect(wrong.error?.code).toBe('HM_SNMP_TIMEOUT');
    expect(wrong.error?.message).toMatch(/no SNMP response from 127\.0\.0\.1:\d+ after 1 attempt\(s\) of 1000 ms \(wrong community or device unreachable\)/);
    expect(wrong.targets).toEqual([]); // a controller never seen has no known APs yet
    const dead = result(results, 'dead');
    expect(dead.error?.code).toBe('HM_SNMP_TIMEOUT');
    expect(dead.durationMs).toBeGreaterThanOrEqual(2900);
    for (const name of ['fine-1', 'fine-2']) {
      expect(result(results, name).ok).toBe(true);
      expect(result(results, name).durationMs).toBeLessThan(1000);
    }
    expect(wall).toBeLessThan(4500);
    expect(JSON.stringify(results) + log.lines.join('\n')).not.toContain('public-but-secret');
    expect(log.lines.filter((l) => l.includes('device poll failed'))).toHaveLength(2);
  });

  it('wrong types, empty tables, absurd values and missing columns are that device’s HM_SNMP_BAD_DATA', async () => {
    const poller = new DevicePoller();
    poller.setDevices(
      devices(
        v2c('bad-types', sim.address, 'bad-types', 'cisco-wlc'),
        v2c('empty', sim.address, 'empty-table', 'cisco-wlc'),
        v2c('absurd', sim.address, 'absurd', 'aruba'),
        v2c('missing', sim.address, 'missing-column', 'ruckus-sz'),
        v2c('generic-as-unifi', sim.address, 'generic', 'unifi'),
        v2c('healthy', sim.address, 'aruba', 'aruba'),
      ),
    );
    const results = await poller.pollAll();
    await poller.close();
    const errors = Object.fromEntries(results.map((r) => [r.device, r.error]));
    expect(errors['bad-types']).toEqual({ code: 'HM_SNMP_BAD_DATA', message: 'bsnAPOperationStatus.0.17.34.51.68.1: expected a number, got OctetString' });
    expect(errors.empty).toEqual({ code: 'HM_SNMP_BAD_DATA', message: 'bsnAPTable is empty (wrong profile, or the SNMP view hides it)' });
    expect(errors.absurd?.message).toBe('wlanAPRadioUtilization.0.17.34.51.68.1.0: value 250 is outside 0..100');
    expect(errors.missing?.message).toBe('ruckusSZAPConnStatus.0.17.34.51.68.1: missing column in ruckusSZAPTable');
    expect(errors['generic-as-unifi']?.message).toMatch(/unifiVapTable is empty/);
    // A standalone AP that answered with bad data is still alive.
    expect(target(result(results, 'generic-as-unifi'), 'generic-as-unifi')).toMatchObject({ up: true });
    expect(result(results, 'healthy')).toMatchObject({ ok: true });
  });
});
