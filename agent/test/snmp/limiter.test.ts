import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/snmp/limiter.js';

describe('createLimiter', () => {
  it('never runs more than the limit at once, and a slow task does not block the queue behind the others', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number, ms: number) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
      order.push(i);
      return i;
    };
    const results = await Promise.all([limit(task(0, 200)), ...Array.from({ length: 9 }, (_, i) => limit(task(i + 1, 5)))]);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(order.at(-1)).toBe(0);
  });

  it('releases the slot when a task throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(async () => 42)).resolves.toBe(42);
  });
});
