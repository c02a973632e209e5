import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime, monotonicMs } from '../src/clock.js';

describe('isoTime', () => {
  it('is Date#toISOString for every time an agent reports, and beyond', () => {
    for (const ms of [0, 1, -1, 999, 1_700_000_000_123, Date.UTC(2026, 10, 23, 8, 0, 0, 5), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(0, 0, 1) - 1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => isoTime(ms) === new Date(ms).toISOString()));
  });

  it('throws as toISOString does on an invalid time', () => {
    expect(() => isoTime(NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('monotonicMs', () => {
  it('counts milliseconds and never goes back', async () => {
    const a = monotonicMs();
    await new Promise((r) => setTimeout(r, 20));
    const b = monotonicMs();
    expect(b - a).toBeGreaterThanOrEqual(15);
    expect(b - a).toBeLessThan(5_000);
  });
});
