import { describe, expect, it } from 'vitest';
import { decodeAgentMessage, validateDevices } from '@hallmonitor/shared';
import { toReport } from '../../src/snmp/device-runner.js';
import type { DevicePollResult } from '../../src/snmp/poller.js';

const devices = validateDevices([
  { name: 'wlc-main', address: '10.1.2.3', profile: 'cisco-wlc', snmp: { version: '2c', community: 'secret-community' }, site: 'north', building: 'main' },
  { name: 'ap-lib', address: '10.1.2.4', profile: 'unifi', snmp: { version: '2c', community: 'secret-community' }, site: 'north', room: 'library' },
]);

const results: DevicePollResult[] = [
  {
    device: 'wlc-main',
    profile: 'cisco-wlc',
    ok: true,
    durationMs: 120,
    targets: [
      { key: 'wlc-main/00:11:22:33:44:01', name: 'ap-a', kind: 'ap', site: 'north', up: true, samples: [{ name: 'wifi_ap_clients', labels: {}, value: 7, timestamp: 1000 }], facts: { mac: '00:11:22:33:44:01' } },
      { key: 'wlc-main/00:11:22:33:44:02', name: 'ap-b', kind: 'ap', site: 'north', up: false, reason: 'vanished', samples: [{ name: 'wifi_ap_up', labels: {}, value: 0, timestamp: 1000 }] },
    ],
  },
  { device: 'ap-lib', profile: 'unifi', ok: false, durationMs: 4000, error: { code: 'HM_SNMP_TIMEOUT', message: '10.1.2.4:161 did not answer' }, targets: [{ key: 'ap-lib', name: 'ap-lib', kind: 'ap', up: false, reason: 'no SNMP, no ping', samples: [{ name: 'wifi_ap_up', labels: {}, value: 0, timestamp: 1000 }] }] },
] as DevicePollResult[];

describe('device report', () => {
  it('turns a poll cycle into a valid targets message and tagged samples, controllers as targets of their own', () => {
    const { message, samples } = toReport(results, devices);
    const decoded = decodeAgentMessage(JSON.stringify(message));
    expect(decoded.ok, JSON.stringify(decoded)).toBe(true);
    expect(message.targets.map((t) => [t.key, t.kind])).toEqual([
      ['wlc-main', 'controller'],
      ['wlc-main/00:11:22:33:44:01', 'ap'],
      ['wlc-main/00:11:22:33:44:02', 'ap'],
      ['ap-lib', 'ap'],
    ]);
    expect(message.targets[0]).toMatchObject({ site: 'north', building: 'main', up: true });
    expect(message.devices[1]).toMatchObject({ name: 'ap-lib', ok: false, error: { code: 'HM_SNMP_TIMEOUT' } });
    expect(samples.find((s) => s.name === 'snmp_device_up')).toMatchObject({ target: 'wlc-main', value: 1 });
    expect(samples.find((s) => s.name === 'wifi_ap_clients')).toMatchObject({ target: 'wlc-main/00:11:22:33:44:01', value: 7 });
    expect(JSON.stringify({ message, samples })).not.toContain('secret-community');
  });
});
