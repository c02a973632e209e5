import { describe, expect, it } from 'vitest';
import { DevicePoller } from '../../src/snmp/poller.js';
import type { PingSeam } from '../../src/snmp/ping.js';
import { PROFILES } from '../../src/snmp/profiles/registry.js';
import type { SnmpSeam, SnmpSession } from '../../src/snmp/session.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { devices, result, target, v2c, value } from './helpers.js';
import { rawDataFor, readFixture } from './snmprec.js';

/*
 * The poller's own rules (deadline, overlapping cycles, ping failures, pool
 * bounds) through its seams. The SNMP behaviour itself is covered against
 * snmpsimd in the poller.*.test.ts files; these replay fixture data.
 */

/** A seam serving one fixture's data from memory, optionally slowly or never. */
function fixtureSeam(fixture: string, opts: { delayMs?: number; hang?: boolean; onOpen?: () => void; onClose?: () => void } = {}): SnmpSeam {
  const profile = PROFILES.unifi;
  const data = rawDataFor(profile, readFixture(fixture));
  const wait = async (): Promise<void> => {
    if (opts.hang) await new Promise(() => undefined);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
  };
  return {
    open(): SnmpSession {
      opts.onOpen?.();
      return {
        async get(oids) {
          await wait();
          return new Map(oids.flatMap((o) => (data.scalars.has(o) ? [[o, data.scalars.get(o) as SnmpValue] as const] : [])));
        },
        async walk(oid) {
          await wait();
          const rows: Array<[string, SnmpValue]> = [];
          for (const [o, v] of data.scalars) if (o.startsWith(`${oid}.`)) rows.push([o.slice(oid.length + 1), v]);
          return rows;
        },
        close: () => opts.onClose?.(),
      };
    },
  };
}

const alivePing: PingSeam = { probe: async () => ({ alive: true, rttSeconds: 0.002, lossRatio: 0 }) };

describe('DevicePoller rules', () => {
  it('abandons a device past its deadline, closes its session, and reports HM_SNMP_TIMEOUT', async () => {
    let closed = 0;
    const poller = new DevicePoller({ snmp: fixtureSeam('unifi', { hang: true, onClose: () => closed++ }), deviceTimeoutMs: 200, ping: alivePing });
    poller.setDevices(devices(v2c('stuck', '127.0.0.1:1', 'x', 'unifi', { ping: 'auto' })));
    const [r] = await poller.pollAll();
    expect(r?.error).toEqual({ code: 'HM_SNMP_TIMEOUT', message: 'device poll exceeded 200 ms' });
    expect(closed).toBeGreaterThanOrEqual(1); // close() is idempotent by contract
    // Ping still answers: a standalone AP whose SNMP hangs is up on ping evidence.
    expect(r && target(r, 'stuck')).toMatchObject({ up: true });
    await poller.close();
  });

  it('a ping seam that throws yields no ping samples, not a false down', async () => {
    const poller = new DevicePoller({ snmp: fixtureSeam('unifi'), ping: { probe: () => Promise.reject(new Error('no ping binary')) } });
    poller.setDevices(devices(v2c('ap', '127.0.0.1:1', 'x', 'unifi', { ping: 'auto' })));
    const t = target(result(await poller.pollAll(), 'ap'), 'ap');
    expect(t.up).toBe(true);
    expect(value(t, 'ping_up')).toBeUndefined();
    await poller.close();
  });

  it('overlapping pollAll calls share one cycle; the pool never exceeds its concurrency', async () => {
    let open = 0;
    let peak = 0;
    const seam = fixtureSeam('unifi', {
      delayMs: 20,
      onOpen: () => {
        open++;
        peak = Math.max(peak, open);
      },
      onClose: () => open--,
    });
    const poller = new DevicePoller({ snmp: seam, concurrency: 4, ping: alivePing });
    poller.setDevices(devices(...Array.from({ length: 20 }, (_, i) => v2c(`ap-${i}`, '127.0.0.1:1', 'x', 'unifi'))));
    const [a, b] = await Promise.all([poller.pollAll(), poller.pollAll()]);
    expect(a).toBe(b);
    expect(a).toHaveLength(20);
    expect(peak).toBe(4);
    await poller.close();
  });

  it('stamps every sample of a cycle with the cycle clock', async () => {
    const poller = new DevicePoller({ snmp: fixtureSeam('unifi'), clock: () => 1_700_000_000_000, ping: alivePing });
    poller.setDevices(devices(v2c('ap', '127.0.0.1:1', 'x', 'unifi', { ping: 'auto' })));
    const samples = target(result(await poller.pollAll(), 'ap'), 'ap').samples;
    expect(new Set(samples.map((s) => s.timestamp))).toEqual(new Set([1_700_000_000_000]));
    expect(samples.map((s) => s.name)).toEqual(
      expect.arrayContaining(['wifi_ap_up', 'wifi_ap_clients', 'wifi_ap_uptime_seconds', 'wifi_radio_clients', 'wifi_radio_channel', 'wifi_radio_utilization_percent', 'ping_up', 'ping_rtt_seconds', 'ping_loss_ratio']),
    );
    await poller.close();
  });
});
