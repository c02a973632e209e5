import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveStorageConfig } from '../../src/storage/config.js';
import { planQuery } from '../../src/storage/query.js';
import type { StoredSample } from '../../src/storage/sample-store.js';
import { chunkedDb, FakeClock, settle, store, TEST_STORAGE } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

function s(metric: string, ts: number, value: number, labels: Record<string, string> = {}): StoredSample {
  return { metric, labels, ts, value };
}

type Ref = Map<number, number>;

/** What a query should return, computed from everything appended: first value per timestamp wins. */
function reference(appended: Array<[number, number]>): Array<[number, number]> {
  const m: Ref = new Map();
  for (const [t, v] of appended) if (!m.has(t)) m.set(t, v);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

function bucketRef(points: Array<[number, number]>, from: number, to: number, step: number): Array<[number, number]> {
  const lo = Math.floor(from / step) * step;
  const hi = Math.floor(to / step) * step + step - 1;
  const b = new Map<number, { sum: number; n: number }>();
  for (const [t, v] of points) {
    if (t < lo || t > hi) continue;
    const k = Math.floor(t / step) * step;
    const e = b.get(k) ?? { sum: 0, n: 0 };
    if (!Number.isNaN(v)) {
      e.sum += v;
      e.n++;
    }
    b.set(k, e);
  }
  return [...b.entries()].sort((x, y) => x[0] - y[0]).map(([k, e]) => [k, e.n ? e.sum / e.n : Number.NaN]);
}

function expectPointsClose(got: Array<[number, number]>, want: Array<[number, number]>): void {
  expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
  got.forEach((p, i) => {
    const w = (want[i] as [number, number])[1];
    if (Number.isNaN(w)) expect(p[1]).toBeNaN();
    else if (!Number.isFinite(w)) expect(p[1]).toBe(w);
    else expect(p[1]).toBeCloseTo(w, 6);
  });
}

describe('ChunkedSampleStore', () => {
  it('returns the same points from head, chunks and after a restart', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    let st = store(db, clock);
    const pts: Array<[number, number]> = [];
    for (let i = 0; i < 200; i++) {
      const t = T0 + i * 15_000;
      clock.now = t;
      const v = i % 7 === 0 ? Number.NaN : i / 4;
      pts.push([t, v]);
      db.transaction(() => st.append('host-1', [s('cpu_usage_percent', t, v)]))();
      if (i % 50 === 0) settle(st, t);
    }
    const q = { targetId: 'host-1', metric: 'cpu_usage_percent', fromMs: T0, toMs: T0 + 2 * HOUR };
    const before = st.query(q);
    expect(before).toHaveLength(1);
    expectPointsClose(before[0]?.points ?? [], pts);
    st = store(db, clock);
    expectPointsClose(st.query(q)[0]?.points ?? [], pts);
    expect(st.latestAll()).toEqual([{ targetId: 'host-1', metric: 'cpu_usage_percent', labels: {}, ts: pts[199]?.[0], value: pts[199]?.[1], seriesId: 1 }]);
    settle(st, T0 + 3 * HOUR);
    expect(st.stats().headSamples).toBe(0);
    st = store(db, clock);
    expectPointsClose(st.query(q)[0]?.points ?? [], pts);
  });

  it('keeps the first value of a duplicate and accepts out-of-order samples, before and after sealing', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0 + 2 * HOUR);
    const st = store(db, clock);
    expect(st.append('h', [s('m', T0 + 2000, 1), s('m', T0 + 1000, 2), s('m', T0 + 2000, 3)])).toBe(2);
    settle(st, T0 + 2 * HOUR);
    // Late: one duplicate of a sealed sample, one new sample inside the sealed window.
    st.append('h', [s('m', T0 + 2000, 9), s('m', T0 + 1500, 4)]);
    const q = { targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + HOUR };
    expect(st.query(q)[0]?.points).toEqual([[T0 + 1000, 2], [T0 + 1500, 4], [T0 + 2000, 1]]);
    const r = st.runMaintenance(T0 + 2 * HOUR, { budgetMs: 1000 });
    expect(r.mergedBuffers).toBe(1);
    expect(r.duplicatesDropped).toBe(1);
    expect(st.query(q)[0]?.points).toEqual([[T0 + 1000, 2], [T0 + 1500, 4], [T0 + 2000, 1]]);
  });

  it('stores NaN, ±Inf and -0 exactly and rejects unusable timestamps', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0 + HOUR);
    const st = store(db, clock);
    const vals = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, 5e-324];
    const n = st.append('h', [...vals.map((v, i) => s('m', T0 + i * 1000, v)), s('m', 1.5, 1), s('m', -5, 1), s('m', T0 - 3 * 86_400_000, 1)]);
    expect(n).toBe(vals.length);
    expect(st.stats().rejectedSamples).toBe(3);
    settle(st, T0 + 3 * HOUR);
    const got = st.query({ targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + HOUR })[0]?.points ?? [];
    got.forEach((p, i) => expect(Object.is(p[1], vals[i])).toBe(true));
  });

  it('answers across chunk, head and rollup boundaries like a reference computed from raw data', () => {
    const cfg = resolveStorageConfig(TEST_STORAGE);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 * 24 * 60 - 1 }), fc.integer({ min: -30_000, max: 30_000 }), fc.oneof(fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100), fc.constant(Number.NaN))), { minLength: 200, maxLength: 1500 }),
        fc.integer({ min: 0, max: 4 * 24 * 60 }),
        fc.integer({ min: 1, max: 2 * 24 * 60 }),
        fc.constantFrom(0, MIN, 5 * MIN, 15 * MIN, HOUR, 7 * MIN),
        (raw, fromMin, spanMin, step) => {
          const db = chunkedDb();
          const clock = new FakeClock(T0);
          const st = store(db, clock);
          // Arrival order: by minute, with jitter making some samples late and out of order.
          const samples = raw.map(([m, j, v]) => [T0 + m * MIN + j + 30_000, v] as [number, number]).sort((a, b) => a[0] - b[0]);
          const appended: Array<[number, number]> = [];
          let lastMaint = T0;
          for (let i = 0; i < samples.length; i++) {
            const [t, v] = samples[i] as [number, number];
            // Some samples arrive up to 2 hours late.
            clock.now = Math.max(clock.now, t + (i % 5 === 0 ? 2 * HOUR : 0));
            db.transaction(() => st.append('h', [s('m', t, v)]))();
            appended.push([t, v]);
            if (clock.now - lastMaint > 3 * HOUR) {
              settle(st, clock.now);
              lastMaint = clock.now;
            }
          }
          // Never back in time: late arrivals may have moved the clock past day 5, and retention already ran at that time.
          clock.now = Math.max(clock.now, T0 + 5 * 24 * HOUR);
          settle(st, clock.now);
          const ref = reference(appended);
          const from = T0 + fromMin * MIN;
          const to = from + spanMin * MIN;
          const plan = planQuery(cfg, from, step || undefined, clock.now);
          const got = st.query({ targetId: 'h', metric: 'm', fromMs: from, toMs: to, ...(step ? { stepMs: step } : {}) })[0]?.points ?? [];
          const want = plan.stepMs === 0 ? ref.filter(([t]) => t >= from && t <= to) : bucketRef(ref, from, to, plan.stepMs);
          expectPointsClose(got, want);
        },
      ),
      { numRuns: Number(process.env.HM_RUNS ?? 40) },
    );
  });

  it('picks the coarsest tier whose step divides the asked step, within retention', () => {
    const cfg = resolveStorageConfig(TEST_STORAGE);
    const now = T0 + 20 * 86_400_000;
    expect(planQuery(cfg, now - HOUR, undefined, now)).toEqual({ level: 0, stepMs: 0 });
    expect(planQuery(cfg, now - HOUR, 15 * MIN, now)).toEqual({ level: 2, stepMs: 15 * MIN });
    expect(planQuery(cfg, now - HOUR, 2 * MIN, now)).toEqual({ level: 1, stepMs: 2 * MIN });
    expect(planQuery(cfg, now - HOUR, 90_000, now)).toEqual({ level: 0, stepMs: 90_000 });
    expect(planQuery(cfg, now - 5 * 86_400_000, undefined, now)).toEqual({ level: 1, stepMs: MIN });
    expect(planQuery(cfg, now - 20 * 86_400_000, MIN, now)).toEqual({ level: 2, stepMs: 5 * MIN });
  });

  it('rolls up as data ages, trims raw data only after it is summarized, and reports stats', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    const st = store(db, clock);
    for (let m = 0; m < 3 * 24 * 60; m++) {
      clock.now = T0 + m * MIN;
      db.transaction(() => st.append('h', [s('m', clock.now, m % 100), s('n', clock.now, 1, { disk: '/' })]))();
      if (m % 120 === 0) settle(st, clock.now);
    }
    settle(st, clock.now);
    const stats = st.stats();
    expect(stats.series).toBe(2);
    expect(stats.tiers[0]?.watermark).toBeGreaterThan(T0);
    expect(stats.bytesPerSample).toBeGreaterThan(0);
    expect(stats.bytesPerSample).toBeLessThan(3);
    expect(stats.ingestRate).toBeGreaterThan(0);
    expect(stats.budgetFullInMs).not.toBeNull();
    // Raw older than 2 days is gone, the tier still answers for it.
    const oldQ = { targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + HOUR - 1 };
    expect(db.prepare('SELECT count(*) AS n FROM chunks WHERE end_ts < ?').get(clock.now - 2 * 86_400_000 - HOUR)).toEqual({ n: 0 });
    const pts = st.query(oldQ)[0]?.points ?? [];
    expect(pts).toHaveLength(60);
    expect(pts[5]).toEqual([T0 + 5 * MIN, 5]);
  });
});

describe('ChunkedSampleStore: an hour of windows sealed over many maintenance slices', () => {
  const SERIES = 1200;
  const hourOf = (from: number, metric = 'm'): StoredSample[] =>
    Array.from({ length: SERIES }, (_, k) => Array.from({ length: 12 }, (_, i) => s(metric, from + i * 5 * MIN + k, k * 100 + i, { k: String(k) }))).flat();

  it('seals each due window within its slice, and every sample survives ingest, late data and a rollback between slices', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0 + HOUR);
    const st = store(db, clock);
    db.transaction(() => st.append('h', hourOf(T0)))();
    clock.now = T0 + HOUR + 6 * MIN;
    let sealed = 0;
    let calls = 0;
    const late = s('m', T0 + 30 * MIN + 7, -1, { k: '0' });
    // A budget of 0: each slice seals one window (taken from the queue of the first scan) and reports more work.
    for (; sealed < SERIES + 1 && calls < 10 * SERIES; calls++) {
      const r = st.runMaintenance(clock.now, { budgetMs: 0 });
      expect(r.errors).toEqual([]);
      expect(r.more).toBe(true);
      expect(r.sealedBuffers).toBeLessThanOrEqual(1);
      sealed += r.sealedBuffers;
      if (calls === 10) db.transaction(() => st.append('h', hourOf(T0 + HOUR, 'm')))();
      if (calls === 20) db.transaction(() => st.append('h', [late]))();
      if (calls === 40) {
        expect(() =>
          db.transaction(() => {
            st.append('h', [s('m', T0 + 2 * HOUR + 1, 5, { k: '1' })]);
            throw new Error('commit failed');
          })(),
        ).toThrow('commit failed');
      }
    }
    // Every window of the first hour and the late sample's second buffer sealed, none of the second hour's.
    expect(sealed).toBe(SERIES + 1);
    expect(st.runMaintenance(clock.now, { budgetMs: 10_000 }).sealedBuffers).toBe(0);
    expect(st.stats().headSamples).toBe(SERIES * 12);
    settle(st, T0 + 3 * HOUR);
    const fresh = store(db, clock);
    const series = fresh.query({ targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + 2 * HOUR });
    expect(series).toHaveLength(SERIES);
    for (const k of [0, 1, SERIES - 1]) {
      const pts = series.find((x) => x.labels.k === String(k))?.points ?? [];
      const want = [...hourOf(T0), ...hourOf(T0 + HOUR), ...(k === 0 ? [late] : [])].filter((x) => x.labels.k === String(k)).map((x) => [x.ts, x.value]).sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(pts).toEqual(want);
    }
    expect(fresh.stats().rawSamples).toBe(2 * SERIES * 12 + 1);
  });
});
