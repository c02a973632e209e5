import type { Database } from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenBuffers } from '../../src/storage/open-buffers.js';
import type { StoredSample } from '../../src/storage/sample-store.js';
import { chunkedDb, FakeClock, settle, store } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const HOUR = 3_600_000;
const MIN = 60_000;

const value = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 52, 1e300, 5e-324, 0.1 + 0.2),
);

function firstWins(samples: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const m = new Map<number, number>();
  for (const [t, v] of samples) if (!m.has(t)) m.set(t, v);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** The totals row the stats read (kept incrementally) against a recount of the chunks table. */
function expectTotalsMatchChunks(db: Database): void {
  const totals = db.prepare("SELECT chunks, samples, bytes FROM storage_totals WHERE kind = 'raw'").get();
  const recount = db.prepare('SELECT count(*) AS chunks, coalesce(sum(count), 0) AS samples, coalesce(sum(length(data)), 0) AS bytes FROM chunks').get();
  expect(totals).toEqual(recount);
}

describe('OpenBuffer (compact in-memory samples)', () => {
  it('gives back every timestamp and every value bit for bit, whatever the order of arrival', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: HOUR - 1 }), value), { minLength: 1, maxLength: 400 }), fc.boolean(), (raw, sorted) => {
        const arrivals = sorted ? [...raw].sort((a, b) => a[0] - b[0]) : raw;
        const bufs = new OpenBuffers();
        const b = bufs.get(1, T0, T0);
        const accepted = arrivals.map(([off, v]) => bufs.insert(b, T0 + off, v));
        const want = firstWins(arrivals.map(([off, v]) => [T0 + off, v] as const));
        expect(accepted.filter(Boolean).length).toBe(want.length);
        expect(bufs.count(b)).toBe(want.length);
        expect(bufs.samples).toBe(want.length);
        const got = bufs.decode(b);
        expect(got.ts).toEqual(want.map((p) => p[0]));
        got.values.forEach((v, i) => expect(Object.is(v, want[i]?.[1])).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a 15-second series of two-decimal percentages in about 2–3 bytes a sample', () => {
    const bufs = new OpenBuffers();
    const b = bufs.get(1, T0, T0);
    let v = 40;
    for (let i = 0; i < 240; i++) {
      v = Math.max(0, Math.min(100, Math.round((v + Math.sin(i) * 3) * 100) / 100));
      bufs.insert(b, T0 + i * 15_000 + (i % 7), v);
    }
    expect(bufs.bytes(b) / bufs.count(b)).toBeLessThan(3.5);
    expect(bufs.bytes(b) / bufs.count(b)).toBeGreaterThan(1);
  });

  it('reuses slots and arena memory after buffers are removed, so memory stays at the high-water mark', () => {
    const bufs = new OpenBuffers();
    for (let round = 0; round < 3; round++) {
      const slots: number[] = [];
      for (let id = 0; id < 2000; id++) {
        // A second window for some series: the table keeps both.
        for (const w of id % 50 === 0 ? [T0, T0 + HOUR, T0 + 2 * HOUR] : id % 10 === 0 ? [T0, T0 + HOUR] : [T0]) {
          const b = bufs.get(id, w, T0);
          slots.push(b);
          for (let i = 0; i < 50; i++) bufs.insert(b, w + i * 15_000, i * 1.25);
        }
      }
      expect(bufs.size).toBe(2240);
      expect(bufs.samples).toBe(112_000);
      expect(bufs.forSeries(10).map((b) => bufs.windowStart(b))).toEqual([T0, T0 + HOUR]);
      expect(bufs.forSeries(50).map((b) => bufs.windowStart(b))).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
      expect(bufs.scan(T0 + 4 * HOUR, 0, 0, T0, 1000).due.length).toBe(2240);
      // Removing the oldest window of a series keeps its others findable.
      const first50 = bufs.get(50, T0, T0);
      bufs.remove(first50);
      expect(bufs.forSeries(50).map((b) => bufs.windowStart(b))).toEqual([T0 + HOUR, T0 + 2 * HOUR]);
      expect(bufs.get(50, T0 + 2 * HOUR, T0)).toBe(slots[slots.indexOf(first50) + 2]);
      for (const b of slots) bufs.remove(b);
      expect(bufs.size).toBe(0);
      expect(bufs.samples).toBe(0);
      expect(bufs.forSeries(10)).toEqual([]);
      expect(bufs.minHeadId()).toBe(Number.POSITIVE_INFINITY);
    }
    // 2,000 buffers of ≤ 256-byte slots plus the smaller slots they grew through fit in a few 1 MiB slabs.
    expect(bufs.reservedBytes).toBeLessThanOrEqual(4 * 2 ** 20);
  });

  it('gives a fleet of buffers one right-sized slot each and spills nearly full slots and ended windows', () => {
    const bufs = new OpenBuffers(30);
    const slots: number[] = [];
    // 10,000 series filled in lockstep to 30 two-decimal samples, as a fleet's are.
    for (let id = 0; id < 10_000; id++) slots.push(bufs.get(id, T0, T0));
    for (let i = 0; i < 30; i++) for (const b of slots) bufs.insert(b, T0 + i * 15_000 + (b % 5), Math.round(4000 + Math.sin(b + i) * 900) / 100);
    // One 128-byte slot each (10,000 × 128 B = 1.22 MiB): no slabs left behind in the classes below it.
    expect(bufs.reservedBytes).toBeLessThanOrEqual(2 * 2 ** 20);
    const mid = T0 + 30 * 15_000;
    expect(bufs.scan(mid, 10 * MIN, 0, mid, 30).spill.length).toBe(10_000);
    expect(bufs.scan(mid, 10 * MIN, 0, mid, 1000).spill.length).toBe(0);
    // Raw doubles (9 bytes a value) fill the slot long before 30 samples: spilled when nearly full.
    const raw = bufs.get(20_000, T0, T0);
    let n = 0;
    while (bufs.scan(mid, 10 * MIN, 0, mid, 1000).spill.length === 0) bufs.insert(raw, T0 + n++ * 15_000, Math.PI * n);
    expect(n).toBeLessThan(30);
    // A window that ended is spilled a minute after its end, well before its grace period seals it.
    const ended = T0 + HOUR + MIN;
    expect(bufs.scan(ended - 1, 10 * MIN, 0, ended, 1000).spill.length).toBe(1);
    const atEnd = bufs.scan(ended, 10 * MIN, 0, ended, 1000);
    expect(atEnd.spill.length).toBe(10_001);
    expect(atEnd.due.length).toBe(0);
  });
});

describe('open buffers across an hour boundary', () => {
  it('starts the new window small while the old one still holds samples, then reuses the old slots', () => {
    const bufs = new OpenBuffers(30);
    const sample = (b: number, t: number, i: number) => bufs.insert(b, t + (b % 5), Math.round(4000 + Math.sin(b + i) * 900) / 100);
    const old: number[] = [];
    for (let id = 0; id < 10_000; id++) old.push(bufs.get(id, T0, T0));
    for (let i = 0; i < 30; i++) for (const b of old) sample(b, T0 + i * 15_000, i);
    const oneWindow = bufs.reservedBytes;
    // The next hour's first four samples arrive before the old window is spilled (a minute after its end).
    const next = old.map((b) => bufs.get(bufs.seriesId(b), T0 + HOUR, T0 + HOUR));
    for (let i = 0; i < 4; i++) for (const b of next) sample(b, T0 + HOUR + i * 15_000, i);
    expect(bufs.samples).toBe(340_000);
    // 10,000 × 32-byte slots at most, not a second window's worth of spill-sized slots.
    expect(bufs.reservedBytes - oneWindow).toBeLessThanOrEqual(10_000 * 32);
    const ended = T0 + HOUR + MIN;
    expect(bufs.scan(ended, 10 * MIN, 0, ended, 30).spill.sort((a, b) => a - b)).toEqual(old);
    for (const b of old) bufs.spilled(b);
    // The new window grows into the slots the old one left: the arena holds no more than before…
    for (let i = 4; i < 30; i++) for (const b of next) sample(b, T0 + HOUR + i * 15_000, i);
    expect(bufs.samples).toBe(300_000);
    expect(bufs.reservedBytes).toBeLessThanOrEqual(oneWindow);
    for (const b of next) expect(bufs.count(b)).toBe(30);
    // …and the next maintenance pass gives back the small slots, all free again.
    bufs.scan(ended + MIN, 10 * MIN, 0, ended + MIN, 1000);
    expect(bufs.reservedBytes).toBeLessThanOrEqual(oneWindow - 10_000 * 32);
  });
});

function s(ts: number, value: number): StoredSample {
  return { metric: 'm', labels: {}, ts, value };
}

describe('spilling open buffers', () => {
  it('writes a long open window out in pieces, answers the same throughout, and seals it as one chunk', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    const st = store(db, clock, undefined, 10);
    const want: Array<[number, number]> = [];
    for (let i = 0; i < 200; i++) {
      const t = T0 + i * 15_000;
      clock.now = t + 200;
      db.transaction(() => st.append('h', [s(t, i / 4)]))();
      want.push([t, i / 4]);
      if (i % 8 === 7) {
        const r = st.runMaintenance(clock.now, { budgetMs: 10_000 });
        expect(r.errors).toEqual([]);
      }
    }
    const rows = () => (db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
    // Spilled in pieces while the window is still open; memory holds at most ~2 maintenance rounds.
    expect(rows()).toBeGreaterThan(10);
    expect(st.stats().headSamples).toBeLessThan(20);
    const q = { targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + HOUR };
    expect(st.query(q)[0]?.points).toEqual(want);
    // The head log was cut behind the spills.
    expect((db.prepare('SELECT count(*) AS n FROM head_log').get() as { n: number }).n).toBeLessThan(20);
    // A restart rebuilds exactly the unspilled rest.
    const again = store(db, clock, undefined, 10);
    expect(again.query(q)[0]?.points).toEqual(want);
    // A late sample older than the spilled pieces merges; the window's end seals everything into one chunk.
    db.transaction(() => again.append('h', [s(T0 + 7_500, 99), s(T0 + 15_000, 98)]))();
    settle(again, T0 + 2 * HOUR);
    expect(rows()).toBe(1);
    const all = [...want, [T0 + 7_500, 99] as [number, number]].sort((a, b) => a[0] - b[0]);
    expect(again.query(q)[0]?.points).toEqual(all);
    expect(again.stats().duplicateSamples).toBe(1);
    expectTotalsMatchChunks(db);
  });

  it('keeps the storage totals equal to the chunks table when a seal batch fails half way', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0);
    const st = store(db, clock, undefined, 10);
    for (let i = 0; i < 40; i++) {
      clock.now = T0 + i * 15_000 + 200;
      db.transaction(() => st.append('h', [s(T0 + i * 15_000, i), { ...s(T0 + i * 15_000, i), metric: 'm2' }]))();
      if (i % 8 === 7) st.runMaintenance(clock.now, { budgetMs: 10_000 });
    }
    expectTotalsMatchChunks(db);
    // The second window's insert fails: the batch's deletes and first insert are rolled back with it.
    db.exec("CREATE TEMP TRIGGER fail_second BEFORE INSERT ON chunks WHEN (SELECT count(*) FROM chunks) < 7 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    const failed = st.runMaintenance(T0 + 2 * HOUR, { budgetMs: 10_000 });
    expect(failed.errors.join()).toContain('disk trouble');
    expectTotalsMatchChunks(db);
    db.exec('DROP TRIGGER fail_second');
    settle(st, T0 + 2 * HOUR);
    expect((db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n).toBe(2);
    expectTotalsMatchChunks(db);
    expect(st.stats().rawSamples).toBe(80);
  });

  it('answers like a reference with tiny spills, frequent maintenance, late samples and restarts', () => {
    let spilled = 0;
    let merged = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 * 60 - 1 }), fc.integer({ min: -20_000, max: 20_000 }), fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100)), { minLength: 50, maxLength: 600 }),
        fc.integer({ min: 2, max: 7 }),
        (raw, spill) => {
          const db = chunkedDb();
          const clock = new FakeClock(T0);
          let st = store(db, clock, undefined, spill);
          const samples = raw.map(([m, j, v]) => [T0 + m * MIN + j + 30_000, v] as [number, number]).sort((a, b) => a[0] - b[0]);
          const appended: Array<[number, number]> = [];
          samples.forEach(([t, v], i) => {
            clock.now = Math.max(clock.now, t + (i % 7 === 0 ? 40 * MIN : 0));
            db.transaction(() => st.append('h', [s(t, v)]))();
            appended.push([t, v]);
            if (i % 5 === 0) {
              const r = st.runMaintenance(clock.now, { budgetMs: 10_000 });
              spilled += r.spilledBuffers;
              merged += r.mergedBuffers;
            }
            if (i % 97 === 96) st = store(db, clock, undefined, spill);
          });
          const want = firstWins(appended);
          const q = { targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + 8 * HOUR };
          expect(st.query(q)[0]?.points ?? []).toEqual(want);
          settle(st, T0 + 9 * HOUR);
          expect(st.query(q)[0]?.points ?? []).toEqual(want);
          expect(store(db, clock, undefined, spill).query(q)[0]?.points ?? []).toEqual(want);
          expectTotalsMatchChunks(db);
        },
      ),
      { numRuns: Number(process.env.HM_RUNS ?? 60) },
    );
    // The runs did take both paths: appending spills and merges of late samples.
    expect(spilled).toBeGreaterThan(100);
    expect(merged).toBeGreaterThan(10);
  });
});
