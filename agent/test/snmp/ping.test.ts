import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemPing, parsePingReply } from '../../src/snmp/ping.js';
import { canCreateNetns, createUnansweredAddress, type UnansweredAddress } from './netns.js';

describe('parsePingReply (the ping package reports numbers as strings)', () => {
  it('parses avg and packetLoss strings', () => {
    expect(parsePingReply({ alive: true, avg: '0.038', min: '0.029', packetLoss: '0.000' })).toEqual({ alive: true, rttSeconds: 0.000038, lossRatio: 0 });
    const partial = parsePingReply({ alive: true, avg: '12.500', packetLoss: '33.333' });
    expect(partial.rttSeconds).toBeCloseTo(0.0125, 9);
    expect(partial.lossRatio).toBeCloseTo(0.33333, 9);
  });
  it("drops 'unknown' rather than guessing", () => {
    expect(parsePingReply({ alive: false, avg: 'unknown', packetLoss: 'unknown' })).toEqual({ alive: false, lossRatio: 1 });
    expect(parsePingReply({ alive: true, avg: 'unknown', packetLoss: 'unknown' })).toEqual({ alive: true, lossRatio: 0 });
    expect(parsePingReply({ alive: false, avg: 'NaN', packetLoss: '100.000' })).toEqual({ alive: false, lossRatio: 1 });
  });
});

const hasPing = spawnSync('sh', ['-c', 'command -v ping'], { stdio: 'ignore' }).status === 0;
if (!hasPing) console.warn('ping binary missing (apt-get install iputils-ping): skipping real ping tests');

describe.skipIf(!hasPing)('system ping', () => {
  it('127.0.0.1 answers', async () => {
    const r = await createSystemPing().probe('127.0.0.1');
    expect(r.alive).toBe(true);
    expect(r.lossRatio).toBe(0);
    expect(r.rttSeconds).toBeGreaterThan(0);
    expect(r.rttSeconds).toBeLessThan(0.1);
  });

  it('refuses option-like hosts', async () => {
    await expect(createSystemPing().probe('-f')).rejects.toThrow(/malformed/);
  });

  describe.skipIf(!canCreateNetns())('an address nothing answers (veth into our own netns)', () => {
    let target: UnansweredAddress;
    beforeAll(() => {
      target = createUnansweredAddress();
    });
    afterAll(() => target?.cleanup());

    it('is reported dead with full loss, within the probe deadline', async () => {
      const started = Date.now();
      const r = await createSystemPing().probe(target.address);
      expect(r).toEqual({ alive: false, lossRatio: 1 });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
