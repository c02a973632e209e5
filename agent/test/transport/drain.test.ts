import { describe, expect, it } from 'vitest';
import { DrainBudget } from '../../src/transport/drain.js';

describe('drain budget', () => {
  it('lets a burst through, then paces to the rate and says how long to wait', () => {
    let now = 0;
    const b = new DrainBudget(1000, () => now);
    expect(b.take(2000)).toBe(0); // the burst fits one full wire batch
    expect(b.take(500)).toBe(500);
    now += 500;
    expect(b.take(500)).toBe(0);
  });

  it('lets live batches run into debt that the backlog then waits out', () => {
    let now = 0;
    const b = new DrainBudget(1000, () => now);
    b.take(2000);
    b.charge(1000);
    expect(b.take(100)).toBe(1100);
    now += 1100;
    expect(b.take(100)).toBe(0);
  });
});
