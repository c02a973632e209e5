import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../src/storage/bit-stream.js';
import { decodeChunk, encodeChunk, ChunkFormatError } from '../../src/storage/chunk.js';
import { MAX_TIMESTAMP, readTimestamps, readXorFloats, writeTimestamps, writeXorFloats, xorFloatsCost } from '../../src/storage/gorilla-encoder.js';
import { MAX_SIGNED, readSigned, writeSigned } from '../../src/storage/int-codec.js';
import { decimalsFor, decodeValueColumn, encodeValueColumn } from '../../src/storage/value-codec.js';

const edgeFloats = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, 1e-300, 1e300, 0.1, 99.99, 42];
const anyFloat = fc.oneof(fc.double(), fc.constantFrom(...edgeFloats), fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 100));

function sameFloat(a: number, b: number): boolean {
  return Object.is(a, b);
}

function roundTripValues(values: number[]): Float64Array {
  const buf = encodeValueColumn(values);
  const out = new Float64Array(values.length);
  decodeValueColumn(buf, 0, buf.length, values.length, out);
  return out;
}

describe('bit stream', () => {
  it('round-trips arbitrary widths', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 53 }), fc.double({ min: 0, max: 1, noNaN: true }))), (items) => {
        const w = new BitWriter(1);
        const vals = items.map(([n, f]) => Math.floor(f * 2 ** n) % 2 ** n || 0);
        items.forEach(([n], i) => w.writeWide(vals[i] as number, n));
        const r = new BitReader(w.finish());
        items.forEach(([n], i) => expect(r.readWide(n)).toBe(vals[i]));
      }),
    );
  });
  it('throws past the end instead of looping', () => {
    expect(() => new BitReader(new Uint8Array(1)).read(9)).toThrow(RangeError);
  });
});

describe('integer codec', () => {
  it('round-trips signed integers up to ±2^52', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.integer({ min: -MAX_SIGNED, max: MAX_SIGNED }), fc.constantFrom(0, MAX_SIGNED, -MAX_SIGNED, 63, 64, -64, 511, 512))), (ints) => {
        const w = new BitWriter();
        for (const v of ints) writeSigned(w, v);
        const r = new BitReader(w.finish());
        for (const v of ints) expect(readSigned(r)).toBe(v);
      }),
    );
  });
});

describe('timestamp codec', () => {
  it('round-trips any integer sequence: jittered, equal and out-of-order timestamps', () => {
    const ts = fc.integer({ min: 0, max: MAX_TIMESTAMP });
    const jittered = fc.tuple(fc.integer({ min: 1000, max: 2 ** 42 }), fc.array(fc.integer({ min: -200, max: 200 }), { maxLength: 300 })).map(([start, jit]) => jit.map((j, i) => start + i * 15_000 + j));
    fc.assert(
      fc.property(fc.oneof(fc.array(ts, { maxLength: 200 }), jittered, fc.array(fc.constantFrom(0, 5, MAX_TIMESTAMP), { maxLength: 50 })), (seq) => {
        const w = new BitWriter();
        writeTimestamps(w, seq);
        const out = new Float64Array(seq.length);
        readTimestamps(new BitReader(w.finish()), seq.length, out);
        expect(Array.from(out)).toEqual(seq);
      }),
    );
  });
  it('costs one bit per regular timestamp', () => {
    const seq = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const w = new BitWriter();
    writeTimestamps(w, seq);
    expect(w.bitLength).toBeLessThan(47 + 30 + 1000);
  });
});

describe('XOR float codec', () => {
  it('round-trips every bit pattern class: NaN, ±Inf, -0, huge and tiny', () => {
    fc.assert(
      fc.property(fc.array(anyFloat, { maxLength: 300 }), (vals) => {
        const w = new BitWriter();
        writeXorFloats(w, vals);
        const out = new Float64Array(vals.length);
        readXorFloats(new BitReader(w.finish()), vals.length, out);
        vals.forEach((v, i) => expect(sameFloat(out[i] as number, v)).toBe(true));
      }),
    );
  });
  it('counts exactly the bits it writes (the value column picks its codec from the count)', () => {
    fc.assert(
      fc.property(fc.array(anyFloat, { maxLength: 300 }), (vals) => {
        const w = new BitWriter();
        writeXorFloats(w, vals);
        expect(xorFloatsCost(vals)).toBe(w.bitLength);
      }),
    );
  });
});

describe('value column (XOR or scaled decimals)', () => {
  it('round-trips exactly whichever codec it picks', () => {
    const decimals = fc.array(fc.integer({ min: -1e7, max: 1e7 }), { maxLength: 300 }).chain((ints) => fc.constantFrom(1, 10, 100, 1000).map((s) => ints.map((i) => i / s)));
    const counter = fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 300 })).map(([s, incs]) => {
      let c = s;
      return incs.map((x) => (c += x));
    });
    fc.assert(
      fc.property(fc.oneof(fc.array(anyFloat, { maxLength: 300 }), decimals, counter), (vals) => {
        const out = roundTripValues(vals);
        vals.forEach((v, i) => expect(sameFloat(out[i] as number, v)).toBe(true));
      }),
    );
  });
  it('is never larger than the XOR form it passes over', () => {
    const decimals = fc.array(fc.integer({ min: -1e7, max: 1e7 }), { maxLength: 300 }).map((ints) => ints.map((i) => i / 100));
    fc.assert(
      fc.property(fc.oneof(fc.array(anyFloat, { maxLength: 300 }), decimals), (vals) => {
        const xor = new BitWriter();
        xor.write(0, 5);
        writeXorFloats(xor, vals);
        expect(encodeValueColumn(vals).length).toBeLessThanOrEqual(xor.finish().length);
      }),
    );
  });
  it('finds the fewest exact decimals and refuses non-finite and -0', () => {
    expect(decimalsFor([1, 2, 3])).toBe(0);
    expect(decimalsFor([0.29, 12.5])).toBe(2);
    expect(decimalsFor([1, Number.NaN])).toBe(-1);
    expect(decimalsFor([1, -0])).toBe(-1);
    expect(decimalsFor([Math.PI])).toBe(-1);
  });
  it('stores two-decimal percentages in far fewer bytes than XOR', () => {
    let v = 40;
    const vals = Array.from({ length: 240 }, () => (v = Math.round(Math.min(100, Math.max(0, v + (Math.random() - 0.5) * 6)) * 100) / 100));
    expect(encodeValueColumn(vals).length).toBeLessThan(240 * 3);
  });
});

describe('chunk', () => {
  it('round-trips timestamps and several columns, and decodes only wanted columns', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: MAX_TIMESTAMP }), anyFloat, anyFloat), { maxLength: 200 }), (rows) => {
        const ts = rows.map((r) => r[0]);
        const a = rows.map((r) => r[1]);
        const b = rows.map((r) => r[2]);
        const buf = encodeChunk(ts, [a, b]);
        const full = decodeChunk(buf);
        expect(Array.from(full.ts)).toEqual(ts);
        a.forEach((v, i) => expect(sameFloat(full.columns[0]?.[i] as number, v)).toBe(true));
        b.forEach((v, i) => expect(sameFloat(full.columns[1]?.[i] as number, v)).toBe(true));
        const part = decodeChunk(buf, [false, true]);
        expect(part.columns[0]).toBeUndefined();
      }),
    );
  });
  it('reports corrupt chunks as ChunkFormatError, never garbage or a hang', () => {
    const buf = encodeChunk([1, 2, 3], [[1, 2, 3]]);
    expect(() => decodeChunk(buf.slice(0, buf.length - 3))).toThrow(ChunkFormatError);
    const bad = Uint8Array.from(buf);
    bad[0] = 99;
    expect(() => decodeChunk(bad)).toThrow(ChunkFormatError);
  });
});
