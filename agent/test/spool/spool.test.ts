import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../src/spool/crc32.js';
import { RECORD_HEADER_BYTES } from '../../src/spool/record.js';
import type { SpoolGap } from '../../src/spool/state.js';
import { openSpool, readAll, samples, tempDir } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const segments = (d: string): string[] => readdirSync(d).filter((n) => n.endsWith('.seg')).sort();

describe('spool basics', () => {
  it('assigns sequences, reads lazily in order and forgets what was acked', () => {
    const d = dir();
    const s = openSpool(d);
    for (let i = 1; i <= 5; i++) expect(s.push(samples(3, 1000 * i, i)).seq).toBe(i);
    expect(readAll(s).map((b) => b.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(s.after(3)?.seq).toBe(4);
    s.ackThrough(3);
    expect(s.size).toBe(2);
    expect(readAll(s, 3).map((b) => b.seq)).toEqual([4, 5]);
    s.close();
  });

  it('keeps its epoch and sequence across a restart, also after everything was acked', () => {
    const d = dir();
    const a = openSpool(d);
    a.push(samples(1, 1));
    a.push(samples(1, 2));
    a.ackThrough(2);
    expect(segments(d)).toHaveLength(0);
    a.close();
    const b = openSpool(d);
    expect(b.epoch).toBe(a.epoch);
    expect(b.push(samples(1, 3)).seq).toBe(3);
    b.close();
    const c = openSpool(d);
    expect(readAll(c).map((x) => x.seq)).toEqual([3]);
    expect(c.nextSeq).toBe(4);
  });

  it('recovers the epoch from segment names when state.json is lost', () => {
    const d = dir();
    const a = openSpool(d);
    a.push(samples(1, 1));
    a.close();
    writeFileSync(join(d, 'state.json'), '{garbage');
    const b = openSpool(d);
    expect(b.epoch).toBe(a.epoch);
    expect(b.repair.quarantinedFiles).toBe(1);
    expect(readAll(b).map((x) => x.seq)).toEqual([1]);
    expect(b.nextSeq).toBe(2);
  });

  it('gives up a batch the collector can never accept as one gap, however often it is rejected', () => {
    const s = openSpool(dir());
    s.push(samples(2, 1000));
    const bad = s.push(samples(3, 2000));
    expect(s.reject(bad)).toMatchObject({ fromSeq: 2, toSeq: 2, droppedSamples: 3, droppedBatches: 1, fromTs: 2000, toTs: 2000, reason: 'spool_corrupt' });
    s.reject(bad);
    expect(s.gaps()).toHaveLength(1);
  });

  it('moves past the collector high-water mark', () => {
    const s = openSpool(dir());
    s.advancePast(41);
    expect(s.push(samples(1, 1)).seq).toBe(42);
  });

  it('CRC-32 matches the reference value and the native implementation', () => {
    const data = Buffer.from('123456789');
    expect(crc32Table(data)).toBe(0xcbf43926);
    expect(crc32(data)).toBe(0xcbf43926);
    const rnd = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    expect(crc32Table(rnd)).toBe(crc32(rnd));
  });
});

describe('caps and gaps', () => {
  it('drops the oldest segment at the byte cap and records a gap with counts and period', () => {
    const d = dir();
    const gaps: SpoolGap[] = [];
    const s = openSpool(d, { maxBytes: 64 * 1024, segmentBytes: 16 * 1024, onGap: (g) => gaps.push(g) });
    const t0 = 1_800_000_000_000;
    for (let i = 1; i <= 400; i++) s.push(samples(5, t0 + i * 1000, i));
    expect(s.bytes).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(gaps.length).toBeGreaterThan(0);
    const first = s.gaps()[0] as SpoolGap;
    expect(first).toMatchObject({ fromSeq: 1, reason: 'spool_cap' });
    expect(first.droppedBatches).toBe(first.toSeq - first.fromSeq + 1);
    expect(first.droppedSamples).toBe(first.droppedBatches * 5);
    expect(first.fromTs).toBe(t0 + 1000);
    // Gaps are contiguous with each other and with what is still spooled.
    const all = s.gaps();
    for (let i = 1; i < all.length; i++) expect((all[i] as SpoolGap).fromSeq).toBe((all[i - 1] as SpoolGap).toSeq + 1);
    const kept = readAll(s);
    expect(kept[0]?.seq).toBe((all[all.length - 1] as SpoolGap).toSeq + 1);
    expect(kept[kept.length - 1]?.seq).toBe(400);
    s.close();
    // Gaps survive a restart until acknowledged.
    const again = openSpool(d, { maxBytes: 64 * 1024, segmentBytes: 16 * 1024 });
    expect(again.gaps()).toEqual(all);
    again.ackThrough((all[all.length - 1] as SpoolGap).toSeq);
    expect(again.gaps()).toEqual([]);
  });

  it('only reports what was not acked when a partly acked segment is dropped', () => {
    const s = openSpool(dir(), { maxBytes: 64 * 1024, segmentBytes: 16 * 1024 });
    for (let i = 1; i <= 10; i++) s.push(samples(5, i));
    s.ackThrough(4);
    for (let i = 11; i <= 400; i++) s.push(samples(5, i));
    expect(s.gaps()[0]?.fromSeq).toBe(5);
  });

  it('drops segments older than the time cap', () => {
    let now = 1_000_000;
    const s = openSpool(dir(), { maxAgeMs: 60_000, segmentBytes: 16 * 1024, clock: () => now });
    for (let i = 1; i <= 100; i++) s.push(samples(5, now));
    const before = s.segmentCount;
    expect(before).toBeGreaterThan(1);
    now += 120_000;
    s.push(samples(5, now));
    expect(s.segmentCount).toBeLessThan(before);
    expect(s.gaps()[0]).toMatchObject({ fromSeq: 1, reason: 'spool_age' });
  });
});

describe('repair at start-up', () => {
  /** A spool of `n` batches; `crashed` leaves it as kill -9 would (no clean close). */
  function spoolWith(n: number, crashed = false): { d: string; seg: string; epoch: string } {
    const d = dir();
    const s = openSpool(d);
    for (let i = 1; i <= n; i++) s.push(samples(4, 1000 + i, i));
    if (!crashed) s.close();
    return { d, seg: join(d, segments(d)[0] as string), epoch: s.epoch };
  }

  it('cuts a torn final record and counts it', () => {
    const { d, seg } = spoolWith(10, true);
    truncateSync(seg, statSync(seg).size - 7);
    const s = openSpool(d);
    expect(s.repair).toMatchObject({ tornTails: 1, quarantinedRecords: 0 });
    expect(readAll(s).map((b) => b.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The torn record was never sent, so its sequence is reused.
    expect(s.push(samples(1, 1)).seq).toBe(10);
    expect(s.gaps()).toEqual([]);
    expect(readdirSync(join(d, 'quarantine'))).toHaveLength(1);
  });

  it('never reuses a sequence handed out before a clean stop whose record is gone; reports it as a gap', () => {
    const { d, seg } = spoolWith(10);
    truncateSync(seg, statSync(seg).size - 7);
    const s = openSpool(d);
    expect(s.push(samples(1, 1)).seq).toBe(11);
    expect(s.gaps()).toEqual([expect.objectContaining({ fromSeq: 10, toSeq: 10, reason: 'spool_corrupt' })]);
  });

  it('quarantines a record with flipped bytes, keeps the rest, and reports the hole as a gap', () => {
    const { d, seg } = spoolWith(10);
    const buf = readFileSync(seg);
    const recordLen = buf.length / 10;
    const at = Math.floor(recordLen * 4 + RECORD_HEADER_BYTES + 10); // inside record 5's payload
    buf[at] = (buf[at] as number) ^ 0xff;
    writeFileSync(seg, buf);
    const s = openSpool(d);
    expect(s.repair.quarantinedRecords).toBe(1);
    expect(readAll(s).map((b) => b.seq)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10]);
    expect(s.gaps()).toEqual([expect.objectContaining({ fromSeq: 5, toSeq: 5, droppedBatches: 1, reason: 'spool_corrupt', fromTs: 1004, toTs: 1006 })]);
    // The repair is persistent: a second start finds nothing to do.
    s.close();
    const again = openSpool(d);
    expect(again.repair.quarantinedRecords).toBe(0);
    expect(again.gaps()).toHaveLength(1);
  });

  it('survives garbage appended to a segment and a segment that is pure garbage', () => {
    const { d, seg, epoch } = spoolWith(3);
    appendFileSync(seg, Buffer.from('not a record at all, just noise'));
    writeFileSync(join(d, `${epoch}.${'9'.padStart(16, '0')}.seg`), Buffer.alloc(5000, 0x41));
    const s = openSpool(d);
    expect(readAll(s).map((b) => b.seq)).toEqual([1, 2, 3]);
    expect(s.repair.quarantinedRecords).toBeGreaterThanOrEqual(2);
    expect(segments(d)).toHaveLength(1);
  });

  it('quarantines a segment of another epoch instead of sending it under ours', () => {
    const { d } = spoolWith(2);
    writeFileSync(join(d, `otherEpoch.${'5'.padStart(16, '0')}.seg`), 'x');
    const s = openSpool(d);
    expect(s.repair.quarantinedFiles).toBe(1);
    expect(readAll(s)).toHaveLength(2);
  });
});

describe('memory', () => {
  it('stays flat while the spool grows on disk', () => {
    const s = openSpool(dir(), { maxBytes: 512 * 1024 * 1024, segmentBytes: 1024 * 1024 });
    const batch = samples(40, 1);
    const heap = (): number => {
      globalThis.gc?.();
      return process.memoryUsage().heapUsed;
    };
    for (let i = 0; i < 2000; i++) s.push(batch);
    const h1 = heap();
    for (let i = 0; i < 8000; i++) s.push(batch);
    const h2 = heap();
    expect(s.bytes).toBeGreaterThan(20 * 1024 * 1024);
    // Four times the data on disk, roughly the same heap: batches are not kept in memory.
    expect(h2 - h1).toBeLessThan(16 * 1024 * 1024);
    let n = 0;
    for (let b = s.after(0); b; b = s.after(b.seq)) n++;
    expect(n).toBe(10_000);
  });
});
