import { describe, expect, it } from 'vitest';
import { parseAddress, validateDevices } from '../../src/snmp/device-config.js';
import { SnmpError } from '../../src/snmp/errors.js';

const v3 = { version: 3, user: 'monitor', authProtocol: 'SHA256', authKey: 'authpass-secret', privProtocol: 'aes', privKey: 'privpass-secret' };

function errorOf(raw: unknown): SnmpError {
  try {
    validateDevices(raw);
  } catch (err) {
    if (err instanceof SnmpError) return err;
    throw err;
  }
  throw new Error('expected validateDevices to throw');
}

describe('validateDevices', () => {
  it('accepts v2c and v3 devices, normalises YAML numbers and protocol case, freezes the result', () => {
    const devices = validateDevices([
      { name: 'ap-library-01', address: '10.1.2.3', profile: 'unifi', snmp: { version: '2c', community: 'public' }, site: 'north', room: 'library', poller: 'closet' },
      { name: 'wlc', address: 'wlc.school.example:1161', profile: 'auto', snmp: v3, timeoutMs: 1500, retries: 0, ping: 'off' },
    ]);
    expect(devices).toHaveLength(2);
    expect(devices[1]?.snmp).toMatchObject({ version: '3', authProtocol: 'sha256', privProtocol: 'aes' });
    expect(Object.isFrozen(devices[0])).toBe(true);
  });

  it.each([
    [[{ name: 'a', address: '10.0.0.1', profile: 'meraki', snmp: { version: '2c', community: 'x' } }], /devices\[0\] \(a\)\.profile: unknown profile 'meraki'/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { version: '2c' } }], /devices\[0\] \(a\)\.snmp\.community: is required for SNMPv2c/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { ...v3, privKey: undefined } }], /devices\[0\] \(a\)\.snmp\.privKey: is required/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { ...v3, authProtocol: 'sha1024' } }], /snmp\.authProtocol: unknown protocol/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { ...v3, authKey: 'short' } }], /devices\[0\] \(a\)\.snmp\.authKey: /],
    [[{ name: 'a', address: '10.0.0.1:99999', profile: 'unifi', snmp: { version: '2c', community: 'x' } }], /devices\[0\] \(a\)\.address: port must be 1-65535/],
    [[{ name: 'a', address: '-oProxy', profile: 'unifi', snmp: { version: '2c', community: 'x' } }], /\.address: '-oProxy' is not an IP address or host name/],
    [[{ address: '10.0.0.1', profile: 'unifi', snmp: { version: '2c', community: 'x' } }], /devices\[0\]\.name: is required/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { version: '1', community: 'x' } }], /snmp\.version: must be 2c or 3/],
    [[{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { version: '2c', community: 'x' }, retries: 50 }], /devices\[0\] \(a\)\.retries: /],
    [
      [
        { name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { version: '2c', community: 'x' } },
        { name: 'a', address: '10.0.0.2', profile: 'unifi', snmp: { version: '2c', community: 'x' } },
      ],
      /devices\[1\] \(a\)\.name: duplicate/,
    ],
    [{ name: 'a' }, /devices: must be a list/],
  ])('rejects %j with a one-line error naming the field', (raw, message) => {
    const err = errorOf(raw);
    expect(err.code).toBe('HM_SNMP_CONFIG');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toMatch(/secret/);
  });

  it('never echoes a credential in an error', () => {
    const err = errorOf([{ name: 'a', address: '10.0.0.1', profile: 'unifi', snmp: { ...v3, authKey: 'short7!', extra: 'x' } }]);
    expect(err.message).not.toContain('short7!');
  });
});

describe('parseAddress', () => {
  it.each([
    ['10.1.2.3', { host: '10.1.2.3', port: 161 }],
    ['10.1.2.3:1161', { host: '10.1.2.3', port: 1161 }],
    ['ap.example', { host: 'ap.example', port: 161 }],
    ['[fd00::1]:162', { host: 'fd00::1', port: 162 }],
    ['fd00::1', { host: 'fd00::1', port: 161 }],
  ])('%s', (address, expected) => {
    expect(parseAddress(address)).toEqual(expected);
  });
});
