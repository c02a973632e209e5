import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_PAYLOAD, bufferSource, encodeRecord, readRecord } from '../../src/spool/record.js';
import { scanSegment } from '../../src/spool/segment.js';
import { openSpool, readAll, samples, tempDir } from './helpers.js';

/*
 * Property tests of the spool reader: random bytes, and valid segments with
 * flipped bytes, cuts, duplicated and spliced ranges. The reader must never
 * throw, never allocate more than one record's worth, always make progress,
 * and only ever return records whose checksum held, in rising sequence.
 */
function validSegment(n: number, tag = 0): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => encodeRecord({ seq: i + 1, samples: samples(1 + (i % 4), 1_700_000_000_000 + i, tag) })));
}

const corruption = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  dup: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 400 }), fc.nat()), { nil: undefined }),
});

function corrupt(base: Buffer, c: { flips: Array<[number, number]>; cut: number | undefined; dup: [number, number, number] | undefined }): Buffer {
  let buf = Buffer.from(base);
  for (const [at, b] of c.flips) buf[at % buf.length] = b;
  if (c.dup) {
    const [from, len, at] = c.dup;
    const start = from % buf.length;
    const piece = buf.subarray(start, Math.min(buf.length, start + len));
    const where = at % (buf.length + 1);
    buf = Buffer.concat([buf.subarray(0, where), piece, buf.subarray(where)]);
  }
  if (c.cut !== undefined) buf = buf.subarray(0, c.cut % (buf.length + 1));
  return buf;
}

describe('spool reader fuzzing', () => {
  it('never throws on random bytes and always makes progress', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (arr) => {
        const buf = Buffer.from(arr);
        let steps = 0;
        const res = scanSegment(bufferSource(buf), 0, () => steps++);
        for (const b of res.bad) expect(b.to).toBeGreaterThan(b.from);
        expect(steps).toBeLessThanOrEqual(buf.length / 12);
      }),
      { numRuns: 1500 },
    );
  });

  it('returns only intact records, in rising sequence, from a corrupted segment', () => {
    const base = validSegment(30);
    fc.assert(
      fc.property(corruption, (c) => {
        const buf = corrupt(base, c);
        const seqs: number[] = [];
        const res = scanSegment(bufferSource(buf), 0, (info) => seqs.push(info.seq));
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
        // Every good byte range re-reads as records that pass the checksum.
        for (const g of res.good) {
          let pos = g.from;
          while (pos < g.to) {
            const r = readRecord(bufferSource(buf), pos);
            expect(r.kind).toBe('record');
            if (r.kind !== 'record') break;
            pos = r.next;
          }
        }
        if (c.flips.length === 0 && c.cut === undefined && c.dup === undefined) expect(seqs).toHaveLength(30);
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses a huge length field without allocating it', () => {
    const rec = encodeRecord({ seq: 1, samples: [] });
    rec.writeUInt32LE(0xffffffff, 4);
    let asked = 0;
    const src = bufferSource(Buffer.concat([rec, Buffer.alloc(100)]));
    const r = readRecord({ size: src.size, read: (p, l) => ((asked = Math.max(asked, l)), src.read(p, l)) }, 0);
    expect(r.kind).toBe('bad');
    expect(asked).toBeLessThanOrEqual(64 * 1024);
    expect(MAX_RECORD_PAYLOAD).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('spool start-up fuzzing', () => {
  const t = tempDir('hm-spool-fuzz-');
  afterAll(() => t.cleanup());
  let run = 0;

  it('opens any corrupted spool without throwing, and what it keeps is readable', () => {
    fc.assert(
      fc.property(corruption, fc.boolean(), (c, damageState) => {
        const d = join(t.dir, String(run++));
        const s = openSpool(d);
        for (let i = 1; i <= 20; i++) s.push(samples(2, 1000 + i, i));
        s.close();
        const seg = join(d, readdirSync(d).find((n) => n.endsWith('.seg')) as string);
        writeFileSync(seg, corrupt(readFileSync(seg), c));
        if (damageState) writeFileSync(join(d, 'state.json'), corrupt(readFileSync(join(d, 'state.json')), c));
        const again = openSpool(d);
        const kept = readAll(again);
        for (let i = 1; i < kept.length; i++) expect((kept[i] as { seq: number }).seq).toBeGreaterThan((kept[i - 1] as { seq: number }).seq);
        // Every sequence is either readable or inside a gap: nothing silently vanishes.
        const covered = (seq: number): boolean => kept.some((k) => k.seq === seq) || again.gaps().some((g) => g.fromSeq <= seq && g.toSeq >= seq);
        const last = kept.length ? (kept[kept.length - 1] as { seq: number }).seq : 0;
        for (let seq = 1; seq <= last; seq++) expect(covered(seq), `seq ${seq}`).toBe(true);
        expect(again.push(samples(1, 5)).seq).toBeGreaterThan(last);
        again.close();
        // A second start finds a clean spool.
        const third = openSpool(d);
        expect(third.repair.quarantinedRecords + third.repair.tornTails).toBe(0);
        third.close();
      }),
      { numRuns: 150 },
    );
  });
});
