import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller } from '../../src/snmp/poller.js';
import { devices, result, target, v2c, value } from './helpers.js';
import { canCreateNetns, createUnansweredAddress, type UnansweredAddress } from './netns.js';
import { SNMPSIM_AVAILABLE, SNMPSIM_MISSING_MESSAGE, Snmpsim } from './snmpsim.js';
import { readFixture, withValue, without } from './snmprec.js';

/*
 * State over several polls against real snmpsimd daemons: values that change,
 * APs that vanish from a controller, a device whose daemon stops and returns,
 * and ping as the second opinion. One daemon per device where timing matters.
 */

if (!SNMPSIM_AVAILABLE) console.warn(SNMPSIM_MISSING_MESSAGE);

const AP2 = '0.17.34.51.68.2';
const AP3 = '0.17.34.51.68.3';
const BSN_IP_AP3 = `1.3.6.1.4.1.14179.2.2.1.1.19.${AP3}`;
const BSN_STATUS_AP3 = `1.3.6.1.4.1.14179.2.2.1.1.6.${AP3}`;
const UNIFI_STATIONS_1 = '1.3.6.1.4.1.41112.1.6.1.2.1.8.1';

describe.skipIf(!SNMPSIM_AVAILABLE)('DevicePoller against snmpsim: state across polls', () => {
  let shared: Snmpsim;
  let flaky: Snmpsim;
  let blackhole: UnansweredAddress | undefined;

  beforeAll(async () => {
    if (canCreateNetns()) blackhole = createUnansweredAddress();
    else console.warn('not root or no iproute2: the unanswered-ping case uses no netns and is skipped');
    // AP3 of the flaky controller is "associated" and lives at the unanswered address (if we have one).
    let wlc = withValue(readFixture('cisco-wlc'), BSN_STATUS_AP3, '2', '1');
    if (blackhole) wlc = withValue(wlc, BSN_IP_AP3, '64', blackhole.address);
    [shared, flaky] = await Promise.all([
      Snmpsim.start({ files: { changing: readFixture('unifi'), vanishing: readFixture('ruckus-zd') } }),
      Snmpsim.start({ files: { 'flaky-ap': readFixture('unifi'), 'flaky-wlc': wlc, 'flaky-sz': readFixture('ruckus-sz') } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([shared?.cleanup(), flaky?.cleanup()]);
    blackhole?.cleanup();
  });

  it('picks up values that change between polls', async () => {
    const poller = new DevicePoller();
    poller.setDevices(devices(v2c('changing', shared.address, 'changing', 'unifi')));
    const first = target(result(await poller.pollAll(), 'changing'), 'changing');
    expect(value(first, 'wifi_radio_clients', { radio: 'ng' })).toBe(11);
    await shared.writeFile('changing', withValue(readFixture('unifi'), UNIFI_STATIONS_1, '65', '40'));
    const second = target(result(await poller.pollAll(), 'changing'), 'changing');
    // A station count is a gauge: the new value, not a rate.
    expect(value(second, 'wifi_radio_clients', { radio: 'ng' })).toBe(42);
    expect(value(second, 'wifi_ap_clients')).toBe(66);
    await poller.close();
  });

  it('an AP that vanishes from its controller is reported down (vanished), and returns', async () => {
    const poller = new DevicePoller();
    poller.setDevices(devices(v2c('zd', shared.address, 'vanishing', 'ruckus-zd')));
    const key = 'zd/00:11:22:33:44:02';
    expect(target(result(await poller.pollAll(), 'zd'), key).up).toBe(true);

    await shared.writeFile('vanishing', without(readFixture('ruckus-zd'), AP2));
    const gone = result(await poller.pollAll(), 'zd');
    expect(gone.ok).toBe(true);
    expect(target(gone, key)).toMatchObject({ up: false, reason: 'vanished', name: 'zd-ap-2', facts: { ip: '127.0.0.42' } });
    expect(value(target(gone, key), 'wifi_ap_up')).toBe(0);
    expect(gone.targets).toHaveLength(3);

    await shared.writeFile('vanishing', readFixture('ruckus-zd'));
    expect(target(result(await poller.pollAll(), 'zd'), key)).toMatchObject({ up: true });
    await poller.close();
  });

  it('a device that stops answering turns its APs down within one cycle, and back up when it returns', async () => {
    const poller = new DevicePoller();
    const fast = { timeoutMs: 1500, retries: 0 };
    poller.setDevices(
      devices(
        v2c('flaky-ap', flaky.address, 'flaky-ap', 'unifi', fast),
        v2c('flaky-sz', flaky.address, 'flaky-sz', 'ruckus-sz', fast),
        // Pinged: AP1/AP2 sit on 127.0.0.x (loopback answers), AP3 on the unanswered netns address.
        v2c('flaky-wlc', flaky.address, 'flaky-wlc', 'cisco-wlc', { ...fast, ping: 'auto' }),
        v2c('steady', shared.address, 'changing', 'unifi', fast),
      ),
    );
    const before = await poller.pollAll();
    expect(before.every((r) => r.ok)).toBe(true);
    const wlcBefore = result(before, 'flaky-wlc');
    expect(value(target(wlcBefore, 'flaky-wlc/00:11:22:33:44:01'), 'ping_up')).toBe(1);
    expect(value(target(wlcBefore, 'flaky-wlc/00:11:22:33:44:01'), 'ping_rtt_seconds')).toBeGreaterThan(0);
    if (blackhole) {
      const ap3 = target(wlcBefore, 'flaky-wlc/00:11:22:33:44:03');
      // The controller says associated: up, even though ping gets no answer.
      expect(ap3.up).toBe(true);
      expect(value(ap3, 'ping_up')).toBe(0);
      expect(value(ap3, 'ping_loss_ratio')).toBe(1);
      expect(value(ap3, 'ping_rtt_seconds')).toBeUndefined();
    }

    await flaky.stop();
    const during = await poller.pollAll();
    expect(result(during, 'flaky-ap')).toMatchObject({ ok: false, error: { code: 'HM_SNMP_TIMEOUT' } });
    expect(target(result(during, 'flaky-ap'), 'flaky-ap')).toMatchObject({ up: false, reason: 'SNMP failed (HM_SNMP_TIMEOUT)' });
    expect(result(during, 'flaky-sz').targets.map((t) => [t.key, t.up, t.reason])).toEqual(
      [1, 2, 3, 4].map((n) => [`flaky-sz/00:11:22:33:44:0${n}`, false, 'controller: SNMP failed (HM_SNMP_TIMEOUT)']),
    );
    // SNMP failed but ping still answers: the AP is up (issue 4: down only when both fail).
    const wlcDuring = result(during, 'flaky-wlc');
    expect(target(wlcDuring, 'flaky-wlc/00:11:22:33:44:01')).toMatchObject({ up: true });
    expect(value(target(wlcDuring, 'flaky-wlc/00:11:22:33:44:01'), 'ping_up')).toBe(1);
    if (blackhole) {
      expect(target(wlcDuring, 'flaky-wlc/00:11:22:33:44:03')).toMatchObject({ up: false, reason: 'controller: SNMP failed (HM_SNMP_TIMEOUT)' });
    }
    expect(result(during, 'steady')).toMatchObject({ ok: true });
    // The stopped daemon's devices each wait out their 1500 ms; the healthy one is not queued behind them.
    expect(result(during, 'flaky-ap').durationMs).toBeGreaterThanOrEqual(1400);
    expect(result(during, 'steady').durationMs).toBeLessThan(1000);

    await flaky.restart();
    const after = await poller.pollAll();
    expect(after.every((r) => r.ok)).toBe(true);
    expect(result(after, 'flaky-sz').targets.filter((t) => t.up)).toHaveLength(3);
    expect(target(result(after, 'flaky-ap'), 'flaky-ap').up).toBe(true);
    await poller.close();
  });

  it('rejects polls after close', async () => {
    const poller = new DevicePoller();
    await poller.close();
    await expect(poller.pollAll()).rejects.toMatchObject({ code: 'HM_SNMP_CLOSED' });
  });
});
