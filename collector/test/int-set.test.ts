import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntSet } from '../src/ingest/int-set.js';

describe('IntSet', () => {
  it('behaves as a Set of int32 values', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.integer({ min: -50, max: 50 })), { maxLength: 2000 }), fc.array(fc.integer(), { maxLength: 50 }), (adds, probes) => {
        const set = new IntSet();
        const model = new Set<number>();
        for (const v of adds) {
          expect(set.add(v)).toBe(!model.has(v));
          model.add(v);
          expect(set.size).toBe(model.size);
        }
        for (const v of [...adds, ...probes]) expect(set.has(v)).toBe(model.has(v));
      }),
      { numRuns: 50 },
    );
  });

  it('takes 100,000 values quickly', () => {
    const set = new IntSet();
    for (let i = 0; i < 100_000; i++) set.add(Math.imul(i, 0x9e3779b1));
    expect(set.size).toBe(100_000);
    expect(set.has(Math.imul(777, 0x9e3779b1))).toBe(true);
  });
});
