import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { devicesFor, type ConfiguredDevice } from '../src/devices/assignment.js';
import type { Target } from '../src/targets/targets.js';

const host = (id: string, name: string, site: string, labels: Record<string, string> = {}): Target => ({ id, name, kind: 'host', site, building: null, room: null, labels, facts: {}, agentId: `ag_${id}`, createdAt: 0, parentId: null, lastSeen: null });
const dev = (name: string, extra: Record<string, unknown> = {}): ConfiguredDevice => ({ name, address: '10.1.2.3', profile: 'unifi', snmp: { version: '2c', community: 'c' }, site: 'north', ...extra }) as ConfiguredDevice;

describe('device assignment', () => {
  const closet = host('a', 'closet-server', 'north', { role: 'poller' });
  const other = host('b', 'zz-backup-poller', 'north', { role: 'poller' });
  const lab = host('c', 'lab-pc-01', 'north');
  const south = host('d', 'south-closet', 'south', { role: 'poller' });
  const fleet = [closet, other, lab, south];

  it('assigns by poller name, or to the first poller agent of the site', () => {
    const devices = [dev('ap1', { poller: 'lab-pc-01' }), dev('ap2'), dev('ap3', { site: 'south' })];
    expect(devicesFor(lab, devices, fleet).map((d) => d.name)).toEqual(['ap1']);
    expect(devicesFor(closet, devices, fleet).map((d) => d.name)).toEqual(['ap2']);
    expect(devicesFor(other, devices, fleet)).toEqual([]);
    expect(devicesFor(south, devices, fleet).map((d) => d.name)).toEqual(['ap3']);
  });
});

describe('devices in the collector config', () => {
  const base = { name: 'ap-library-01', address: '10.1.2.3', profile: 'unifi', snmp: { version: '2c', community: 'public' }, site: 'north', poller: 'closet' };
  const fails = (devices: unknown[]): string => {
    try {
      resolveConfig({ devices }, 'collector.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected refusal');
  };

  it("accepts PRODUCT.md's v2c and v3 examples", () => {
    const c = resolveConfig({ devices: [base, { ...base, name: 'wlc', profile: 'cisco-wlc', snmp: { version: 3, user: 'monitor', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' } }] }, 'f');
    expect(c.devices).toHaveLength(2);
  });

  it.each([
    [{ ...base, profile: 'netgear' }, /devices\[0\] \(ap-library-01\)\.profile: unknown profile 'netgear'/],
    [{ ...base, snmp: { version: '2c' } }, /devices\[0\] \(ap-library-01\)\.snmp\.community: is required/],
    [{ ...base, snmp: { version: 3, user: 'm', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'aes' } }, /snmp\.privKey: is required/],
    [{ ...base, address: '-oProxyCommand=x' }, /address: /],
    [{ ...base, poller: 7 }, /devices\[0\]\.poller: /],
  ])('refuses %j with one line naming the entry, without echoing secrets', (d, re) => {
    const msg = fails([d]);
    expect(msg).toMatch(re);
    expect(msg).not.toContain('authpass123');
    expect(msg.startsWith('collector.yaml: ')).toBe(true);
  });
});
