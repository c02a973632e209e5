import { describe, expect, it } from 'vitest';
import { OpenBuffers } from '../../src/storage/open-buffers.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const HOUR = 3_600_000;
const MIN = 60_000;

describe('open buffers: head_log ids in int32 columns', () => {
  it('keeps ids past 2^31 exact, as offsets from a base that moves with the oldest id still recorded', () => {
    const bufs = new OpenBuffers();
    const a = bufs.get(1, T0, T0);
    const b = bufs.get(2, T0, T0);
    expect(bufs.maxHeadId(a)).toBe(0);
    expect(bufs.minHeadId()).toBe(Number.POSITIVE_INFINITY);
    bufs.noteHead(a, 2 ** 31 - 10);
    bufs.noteHead(b, 2 ** 31 - 9);
    bufs.noteHead(b, 2 ** 31 + 100);
    expect(bufs.minHeadId()).toBe(2 ** 31 - 10);
    expect(bufs.maxHeadId(a)).toBe(2 ** 31 - 10);
    expect(bufs.maxHeadId(b)).toBe(2 ** 31 + 100);
    // A spill forgets the buffer's min-head, not its max-head (its final chunk's head_hw).
    bufs.spilled(a);
    expect(bufs.minHeadId()).toBe(2 ** 31 - 9);
    expect(bufs.maxHeadId(a)).toBe(2 ** 31 - 10);
    bufs.remove(a);
    bufs.remove(b);
    // Years later (a collector that ran on): still exact.
    const c = bufs.get(3, T0 + HOUR, T0 + HOUR);
    bufs.noteHead(c, 2 ** 45 + 1);
    bufs.noteHead(c, 2 ** 45 + 7);
    expect(bufs.minHeadId()).toBe(2 ** 45 + 1);
    expect(bufs.maxHeadId(c)).toBe(2 ** 45 + 7);
    // A reload replays the head log from ids older than the base.
    bufs.clear();
    const d = bufs.get(3, T0 + HOUR, T0 + HOUR);
    bufs.noteHead(d, 5);
    bufs.noteHead(d, 6);
    expect(bufs.minHeadId()).toBe(5);
    expect(bufs.maxHeadId(d)).toBe(6);
  });

  it('should ids span more than 2^31 among open buffers, errs only the safe way: the log kept longer, a head_hw lower', () => {
    const bufs = new OpenBuffers();
    const old = bufs.get(1, T0, T0);
    const young = bufs.get(2, T0, T0);
    bufs.noteHead(old, 1);
    bufs.noteHead(young, 2 ** 33);
    expect(bufs.minHeadId()).toBe(1);
    expect(bufs.maxHeadId(young)).toBeLessThanOrEqual(2 ** 33);
    for (let id = 2 ** 33 + 1; id < 2 ** 33 + 100; id++) bufs.noteHead(young, id);
    expect(bufs.minHeadId()).toBe(1);
    expect(bufs.maxHeadId(young)).toBeLessThanOrEqual(2 ** 33 + 99);
    expect(bufs.maxHeadId(old)).toBe(1);
    // Once the old buffer is gone, ids are exact again.
    bufs.remove(old);
    bufs.remove(young);
    const next = bufs.get(2, T0 + HOUR, T0 + HOUR);
    bufs.noteHead(next, 2 ** 33 + 2_000_000);
    expect(bufs.minHeadId()).toBe(2 ** 33 + 2_000_000);
    expect(bufs.maxHeadId(next)).toBe(2 ** 33 + 2_000_000);
  });
});

describe('open buffers: marks', () => {
  it('marks a slot once per generation; a new generation forgets the marks of the last', () => {
    const bufs = new OpenBuffers();
    const slots = Array.from({ length: 300 }, (_, i) => bufs.get(i, T0, T0));
    for (const s of slots) expect(bufs.mark(s, 1)).toBe(true);
    for (const s of slots) expect(bufs.mark(s, 1)).toBe(false);
    expect(bufs.mark(slots[7] as number, 2)).toBe(true);
    expect(bufs.mark(slots[7] as number, 2)).toBe(false);
    expect(bufs.mark(slots[8] as number, 2)).toBe(true);
    // A slot freed and opened again within one generation is a new buffer: not marked.
    bufs.remove(slots[8] as number);
    const again = bufs.get(1000, T0, T0);
    expect(again).toBe(slots[8]);
    expect(bufs.mark(again, 2)).toBe(true);
    // Generations wrap (the store's counter is int32 and skips 0): only the current one counts.
    expect(bufs.mark(slots[7] as number, 0x7fffffff)).toBe(true);
    expect(bufs.mark(slots[7] as number, 1)).toBe(true);
  });
});

describe('open buffers: columns and slots', () => {
  it('keeps every row through the growth of its columns', () => {
    const bufs = new OpenBuffers();
    const n = 20_000;
    const slots: number[] = [];
    // Rows are added and filled interleaved, so the columns grow between writes to a row.
    for (let id = 0; id < n; id++) {
      const w = T0 + (id % 3) * HOUR;
      const b = bufs.get(id, w, T0 + id);
      slots.push(b);
      bufs.insert(b, w + 1_000 + id, id / 4);
      if (id >= 10) {
        const older = slots[id - 10] as number;
        bufs.insert(older, bufs.windowStart(older) + 2_000 + id, -id);
        bufs.noteHead(older, 1_000_000 + id);
        bufs.setSpilledMaxTs(older, bufs.windowStart(older) + 500);
      }
    }
    expect(bufs.size).toBe(n);
    for (let id = 0; id < n; id++) {
      const b = slots[id] as number;
      const w = T0 + (id % 3) * HOUR;
      expect(bufs.seriesId(b)).toBe(id);
      expect(bufs.windowStart(b)).toBe(w);
      expect(bufs.openedAt(b)).toBeLessThanOrEqual(T0 + id);
      expect(bufs.openedAt(b)).toBeGreaterThan(T0 + id - 1000);
      const later = id + 10 < n;
      expect(bufs.decode(b)).toEqual(later ? { ts: [w + 1_000 + id, w + 2_000 + id + 10], values: [id / 4, -(id + 10)] } : { ts: [w + 1_000 + id], values: [id / 4] });
      expect(bufs.maxHeadId(b)).toBe(later ? 1_000_010 + id : 0);
      expect(bufs.spilledMaxTs(b)).toBe(later ? w + 500 : Number.NEGATIVE_INFINITY);
      expect(bufs.forSeries(id)).toEqual([b]);
    }
    expect(bufs.minHeadId()).toBe(1_000_010);
  });

  it('packs the rows a seal left in the upper half into the lower one, every buffer and series reference kept', () => {
    const bufs = new OpenBuffers();
    const n = 6_000;
    const state = (b: number) => ({
      id: bufs.seriesId(b),
      start: bufs.windowStart(b),
      opened: bufs.openedAt(b),
      samples: bufs.decode(b),
      last: [bufs.lastTs(b), bufs.lastValue(b), bufs.count(b), bufs.bytes(b)],
      head: bufs.maxHeadId(b),
      spilled: bufs.spilledMaxTs(b),
    });
    // An hour: a buffer per series. The boundary: every series opens its next window above them;
    // a few series get a third (late data for an older window), which lives in the overflow list.
    const old = Array.from({ length: n }, (_, id) => bufs.get(id, T0, T0));
    const next = Array.from({ length: n }, (_, id) => bufs.get(id, T0 + HOUR, T0 + HOUR));
    const third = Array.from({ length: 50 }, (_, id) => bufs.get(id * 7, T0 - HOUR, T0 + HOUR));
    for (const b of [...old, ...next, ...third]) {
      for (let i = 0; i < 1 + (b % 40); i++) bufs.insert(b, bufs.windowStart(b) + i * 15_000 + (b % 13), (b * 31 + i) / 8);
      bufs.noteHead(b, 2_000_000 + b);
      if (b % 3 === 0) bufs.setSpilledMaxTs(b, bufs.windowStart(b) + 7);
    }
    // The seal frees the old window's rows (the lower half), and a few of the upper ones.
    for (const b of old) bufs.remove(b);
    for (const b of next.filter((_, i) => i % 100 === 0)) bufs.remove(b);
    const live = [...next.filter((_, i) => i % 100 !== 0), ...third];
    const before = new Map(live.map((b) => [bufs.seriesId(b) * 10 + (bufs.windowStart(b) - T0 + HOUR) / HOUR, state(b)]));
    const heads = bufs.minHeadId();
    expect(bufs.pack()).toBe(true);
    expect(bufs.pack()).toBe(false);
    expect(bufs.size).toBe(live.length);
    // Every buffer found again through its series, whole, in a row below the count of buffers.
    const after = new Map<number, ReturnType<typeof state>>();
    for (let id = 0; id < n; id++) {
      for (const b of bufs.forSeries(id)) {
        expect(b).toBeLessThan(live.length);
        after.set(id * 10 + (bufs.windowStart(b) - T0 + HOUR) / HOUR, state(b));
      }
    }
    expect(after).toEqual(before);
    expect(bufs.minHeadId()).toBe(heads);
    const scanned = bufs.scan(T0 + HOUR, 10 * 60_000, 0, T0 + HOUR, 1000);
    expect(scanned.due.length + scanned.spill.length).toBeLessThanOrEqual(live.length);
    // The packed table takes new windows and samples, and removes as before.
    const fresh = bufs.get(n + 1, T0 + 2 * HOUR, T0 + 2 * HOUR);
    expect(fresh).toBe(live.length);
    bufs.insert(fresh, T0 + 2 * HOUR + 5, 1.5);
    const again = bufs.get(3, T0 + HOUR, T0 + HOUR);
    expect(state(again)).toEqual(before.get(3 * 10 + 2));
    bufs.insert(again, T0 + HOUR + 59 * 60_000, 9);
    expect(bufs.decode(again).values.at(-1)).toBe(9);
    bufs.remove(again);
    expect(bufs.forSeries(3)).toEqual([]);
    expect(bufs.decode(fresh)).toEqual({ ts: [T0 + 2 * HOUR + 5], values: [1.5] });
  });

  it('costs a repeated value no byte of its own', () => {
    const bufs = new OpenBuffers();
    const b = bufs.get(1, T0, T0);
    for (let i = 0; i < 240; i++) bufs.insert(b, T0 + i * 15_000, 512 * 2 ** 30);
    // The first two samples carry the offset, a whole value and the first interval; every other is one byte.
    expect(bufs.bytes(b)).toBeLessThan(2 * 240);
    expect(bufs.bytes(b) - 238).toBeLessThan(16);
    expect(bufs.decode(b).values.every((v) => v === 512 * 2 ** 30)).toBe(true);
  });

  it('sizes a buffer\u2019s next slot by what its last spill took: a near-constant series gets about half a percentage\u2019s', () => {
    const fill = (constant: boolean): { bufs: OpenBuffers; reserved: number } => {
      const bufs = new OpenBuffers(30);
      const slots = Array.from({ length: 10_000 }, (_, id) => bufs.get(id, T0, T0));
      const sample = (b: number, i: number): void => {
        bufs.insert(b, T0 + i * 15_000 + (b % 5), constant ? 1 : Math.round(4000 + Math.sin(b + i) * 900) / 100);
      };
      for (let i = 0; i < 30; i++) for (const b of slots) sample(b, i);
      const at = T0 + 30 * 15_000;
      for (const b of bufs.scan(at, 10 * MIN, 0, at, 30).spill) bufs.spilled(b);
      for (let i = 30; i < 59; i++) for (const b of slots) sample(b, i);
      // Every buffer reaches 30 samples in the slot its last spill measured, none spilled nearly full before.
      const end = T0 + 60 * 15_000;
      expect(bufs.scan(end, 10 * MIN, 0, end, 1000).spill).toEqual([]);
      for (const b of slots) sample(b, 59);
      expect(bufs.scan(end, 10 * MIN, 0, end, 30).spill.length).toBe(10_000);
      return { bufs, reserved: bufs.reservedBytes };
    };
    const constant = fill(true);
    const pct = fill(false);
    // 30 constant samples take ~35 bytes (64-byte slots), these percentages ~90 (112-byte slots), each plus a spare
    // sample's room; both below the 128-byte slot every buffer got before it was measured.
    expect(constant.reserved).toBeLessThan(10_000 * 64 + 256 * 1024);
    expect(pct.reserved).toBeGreaterThan(constant.reserved * 1.5);
    expect(pct.reserved).toBeLessThan(10_000 * 112 + 256 * 1024);
  });

  it('gives a burst too big for any slot an array of its own, and the next fill a slot again', () => {
    const bufs = new OpenBuffers(30);
    const b = bufs.get(1, T0, T0);
    const want: number[] = [];
    // Raw doubles, 11 bytes each, with no maintenance pass between them (a replay).
    for (let i = 0; i < 2_000; i++) {
      want.push(Math.PI * (i + 1));
      bufs.insert(b, T0 + i * 1_000, Math.PI * (i + 1));
    }
    expect(bufs.bytes(b)).toBeGreaterThan(4096);
    expect(bufs.decode(b).values).toEqual(want);
    // The slab of every class it grew through goes back at the next maintenance pass.
    expect(bufs.reservedBytes).toBeGreaterThan(0);
    expect(bufs.scan(T0 + 2_000_000, 10 * MIN, 0, T0, 30).spill).toEqual([b]);
    expect(bufs.reservedBytes).toBe(0);
    bufs.spilled(b);
    bufs.insert(b, T0 + 2_000_000, 1);
    bufs.insert(b, T0 + 2_001_000, 2);
    expect(bufs.decode(b)).toEqual({ ts: [T0 + 2_000_000, T0 + 2_001_000], values: [1, 2] });
    expect(bufs.reservedBytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('compacts a size class a transition left mostly free, keeping every buffer\u2019s samples', () => {
    const bufs = new OpenBuffers(30);
    const n = 40_000;
    const value = (id: number, i: number): number => Math.round(4000 + Math.sin(id * 7 + i) * 900) / 100;
    const slots = Array.from({ length: n }, (_, id) => bufs.get(id, T0, T0));
    for (let i = 0; i < 20; i++) for (const b of slots) bufs.insert(b, T0 + i * 15_000, value(bufs.seriesId(b), i));
    const before = bufs.reservedBytes;
    // Most agents leave: their buffers are sealed, leaving a class mostly free.
    for (const b of slots) if (bufs.seriesId(b) % 8 !== 0) bufs.remove(b);
    const at = T0 + 20 * 15_000;
    bufs.scan(at, 10 * MIN, 0, at, 1000);
    expect(bufs.reservedBytes).toBeLessThan(before / 3);
    // New series fill the freed slots; every buffer still decodes to what it was given.
    for (let id = n; id < n + 5_000; id++) {
      const b = bufs.get(id, T0, T0);
      for (let i = 0; i < 20; i++) bufs.insert(b, T0 + i * 15_000, value(id, i));
    }
    const wrong: number[] = [];
    for (let id = 0; id < n + 5_000; id++) {
      if (id < n && id % 8 !== 0) continue;
      const [b] = bufs.forSeries(id);
      const got = bufs.decode(b as number);
      if (got.ts.length !== 20 || got.values.some((v, i) => v !== value(id, i) || got.ts[i] !== T0 + i * 15_000)) wrong.push(id);
    }
    expect(wrong).toEqual([]);
  });
});
