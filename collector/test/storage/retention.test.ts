import { describe, expect, it } from 'vitest';
import { ChunkedSampleStore } from '../../src/storage/chunked-store.js';
import { resolveStorageConfig } from '../../src/storage/config.js';
import { chunkedDb, FakeClock, settle, store } from './helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

describe('retention', () => {
  it('deletes exactly the raw chunks whose newest sample is older than the cutoff', () => {
    const db = chunkedDb();
    // Half an hour past a window edge, so each series' samples share one chunk window.
    const now = T0 + 10 * DAY + 30 * 60_000;
    // Appended a day earlier: samples already past raw retention are rejected at append.
    const clock = new FakeClock(now - DAY);
    const st = store(db, clock, { raw: '2d', tiers: [], alignJitter: '0s' });
    const cutoff = now - 2 * DAY;
    // Each series' samples stay in one chunk window, ending just before, at and after the cutoff.
    const ends: Record<string, number> = { before: cutoff - 1, at: cutoff, after: cutoff + 1 };
    for (const [name, end] of Object.entries(ends)) {
      st.append('h', [0, 1, 2].map((i) => ({ metric: name, labels: {}, ts: end - (2 - i) * 10, value: i })));
    }
    settle(st, now);
    const left = (db.prepare('SELECT s.metric AS m FROM chunks c JOIN series s ON s.id = c.series_id ORDER BY m').all() as Array<{ m: string }>).map((r) => r.m);
    expect(left).toEqual(['after', 'at']);
    expect(st.stats().rawSamples).toBe(6);
  });

  it('keeps raw data the first tier has not summarized, and deletes tiers by whole spans', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    const cfg = { raw: '1d', tiers: [{ step: '1m', keep: '3d' }], alignJitter: '0s', lateGrace: '5m' };
    const st = store(db, clock, cfg);
    for (let m = 0; m < 5 * 24 * 60; m += 5) {
      clock.now = T0 + m * 60_000;
      st.append('h', [{ metric: 'm', labels: {}, ts: clock.now, value: m }]);
      if (m % 600 === 0) settle(st, clock.now);
    }
    settle(st, clock.now);
    const now = clock.now;
    const wm = st.stats().tiers[0]?.watermark ?? 0;
    expect(wm).toBeGreaterThan(now - 8 * HOUR);
    const oldRaw = db.prepare('SELECT count(*) AS n FROM chunks WHERE end_ts < ?').get(Math.min(now - DAY, wm)) as { n: number };
    expect(oldRaw.n).toBe(0);
    const keptRaw = db.prepare('SELECT min(end_ts) AS t FROM chunks').get() as { t: number };
    expect(keptRaw.t).toBeGreaterThanOrEqual(now - DAY);
    const span = 240 * 60_000;
    const tier = db.prepare('SELECT min(start_ts) AS t FROM rollups').get() as { t: number };
    expect(tier.t + span).toBeGreaterThan(now - 3 * DAY);
    expect(tier.t).toBeLessThanOrEqual(now - 3 * DAY);
  });

  it('trims the oldest data of every tier in proportion when over the size budget', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    const base = resolveStorageConfig({ raw: '30d', tiers: [{ step: '1m', keep: '90d' }], alignJitter: '0s' });
    const st = new ChunkedSampleStore(db, { config: { ...base, maxBytes: 1_500_000 }, clock: clock.fn });
    // Random values compress differently every run, so when the budget first bites varies: count every trim.
    let deleted = 0;
    for (let h = 0; h < 10 * 24; h++) {
      clock.now = T0 + h * HOUR;
      const samples: Array<{ metric: string; labels: Record<string, string>; ts: number; value: number }> = [];
      for (let k = 0; k < 60; k++) for (let s = 0; s < 20; s++) samples.push({ metric: `m${s}`, labels: {}, ts: clock.now + k * 60_000, value: Math.random() });
      db.transaction(() => st.append('h', samples))();
      if (h % 6 === 0) deleted += settle(st, clock.now);
    }
    const r = st.runMaintenance(clock.now + HOUR, { budgetMs: 10_000 });
    deleted += r.rawChunksDeleted;
    expect(r.overBudget).toBe(false);
    expect(st.stats().usedBytes).toBeLessThanOrEqual(1_500_000);
    expect(deleted).toBeGreaterThan(0);
  });
});
