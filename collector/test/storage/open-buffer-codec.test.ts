import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSamples, encodeSample, headBytes, MAX_SAMPLE_BYTES } from '../../src/storage/open-buffer-codec.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const HOUR = 3_600_000;
/** Where the samples start in the test's array: a slot's bytes rarely start at 0 in an arena slab. */
const AT = 5;

const view = new DataView(new ArrayBuffer(8));

/**
 * Values travel through the test as bit patterns and become doubles only when encoded: V8 may give a
 * NaN stored in a JS array the canonical payload (`flatMap` does; so, now and then, does the decoder's
 * own array), which would hide a payload the codec lost or invent one it kept.
 */
function fromBits(bits: bigint): number {
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

function bitsOf(v: number): bigint {
  view.setFloat64(0, v);
  return view.getBigUint64(0);
}

interface Encoded {
  bytes: Uint8Array;
  /** Where each sample starts in `bytes`, and one more entry for the end. */
  starts: number[];
}

/** Encodes samples (offsets into the window, increasing) the way OpenBuffers appends them. */
function encodeAll(offsets: readonly number[], bits: readonly bigint[]): Encoded {
  const bytes = new Uint8Array(AT + offsets.length * MAX_SAMPLE_BYTES);
  const scratch = new Uint8Array(MAX_SAMPLE_BYTES);
  const starts = [AT];
  let p = AT;
  let lastOff = 0;
  let lastDelta = 0;
  for (let i = 0; i < offsets.length; i++) {
    const off = offsets[i] as number;
    let t = off;
    if (i > 0) {
      const delta = off - lastOff;
      t = delta - lastDelta;
      lastDelta = delta;
    }
    const n = encodeSample(scratch, i === 0, t, fromBits(bits[i] as bigint), i > 0 ? fromBits(bits[i - 1] as bigint) : 0);
    expect(n).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
    bytes.set(scratch.subarray(0, n), p);
    p += n;
    starts.push(p);
    lastOff = off;
  }
  return { bytes: bytes.subarray(0, p), starts };
}

/** The varint of a timestamp field: its byte count, and its lowest bit (after the first sample, the `same` bit). */
function timestampField(a: Uint8Array, p: number): { length: number; low: number } {
  let q = p;
  while ((a[q] as number) >= 0x80) q++;
  return { length: q + 1 - p, low: (a[p] as number) & 1 };
}

function roundTrips(offsets: readonly number[], bits: readonly bigint[]): void {
  const { bytes, starts } = encodeAll(offsets, bits);
  // The bytes, sample by sample: a repeat of the same bits is its timestamp alone, with the same bit set;
  // a NaN, ±Infinity or −0 is the tag and its exact 8 bytes, payload and all.
  for (let i = 0; i < offsets.length; i++) {
    const start = starts[i] as number;
    const end = starts[i + 1] as number;
    const field = timestampField(bytes, start);
    const same = i > 0 && bits[i] === bits[i - 1];
    if (i > 0) expect(field.low).toBe(same ? 1 : 0);
    if (same) expect(end - start).toBe(field.length);
    else if (!Number.isFinite(fromBits(bits[i] as bigint)) || bits[i] === SIGN) {
      expect(end - start).toBe(field.length + 9);
      expect(bytes[start + field.length]).toBe(0);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(end - 8, true)).toBe(bits[i]);
    }
  }
  const got = decodeSamples(bytes, AT, offsets.length, T0);
  expect(got.ts).toEqual(offsets.map((off) => T0 + off));
  // Every bit of every other value comes back; a NaN comes back a NaN (its payload is checked in the bytes above).
  const want = bits.map((b) => (Number.isNaN(fromBits(b)) ? 'NaN' : b));
  expect(got.values.map((v) => (Number.isNaN(v) ? 'NaN' : bitsOf(v)))).toEqual(want);
  if (offsets.length >= 2) expect(headBytes(bytes, AT)).toBe((starts[2] as number) - AT);
}

const SIGN = 1n << 63n;
const EXP = 0x7ffn << 52n;
const MANTISSA = (1n << 52n) - 1n;
const QUIET = 1n << 51n;

/** Bit patterns at the edges of every class of double, each with either sign. */
const EDGES = [
  0n, // 0
  1n, // smallest subnormal
  MANTISSA, // largest subnormal
  1n << 52n, // smallest normal
  0x3ffn << 52n, // 1
  EXP - 1n, // largest finite
  EXP, // Infinity
  EXP | 1n, // signalling NaN, smallest payload
  EXP | 0x4_0000_dead_beefn, // signalling NaN, a payload
  EXP | QUIET, // the quiet NaN JavaScript makes
  EXP | QUIET | 1n, // quiet NaN with a payload
  EXP | MANTISSA, // largest NaN payload
].flatMap((b) => [b, b | SIGN]);

const DECIMALS = [0.01, 0.1 + 0.2, 42.5, -17.25, 99.99, 2 ** 47 / 100, 2 ** 48 / 100, 2 ** 52, 1e300].map(bitsOf);

const anyBits = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const nanBits = fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: MANTISSA })).map(([neg, m]) => (neg ? SIGN : 0n) | EXP | m);
const subnormalBits = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: MANTISSA })).map(([neg, m]) => (neg ? SIGN : 0n) | m);
const valueBits = fc.oneof(
  anyBits,
  nanBits,
  subnormalBits,
  fc.constantFrom(...EDGES, ...DECIMALS),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((x) => bitsOf(x / 100)),
  fc.double().map(bitsOf),
);

describe('open-buffer codec', () => {
  it('keeps every timestamp and every bit of every value: NaN payloads, ±0, ±Infinity, subnormals', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: HOUR - 1 }), { minLength: 1, maxLength: 200 }),
        // A few distinct values picked again and again, so repeats (and near-repeats: another NaN payload, −0 after 0) are common.
        fc.array(valueBits, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
        (offsets, pool, picks) => {
          offsets.sort((a, b) => a - b);
          roundTrips(offsets, offsets.map((_, i) => pool[(picks[i] as number) % pool.length] as bigint));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips every pair of edge patterns in both orders, repeated and alternating', () => {
    const patterns = [...EDGES, ...DECIMALS];
    const offsets = [0, 15_001, 30_002, 45_000, 60_001];
    for (const a of patterns) for (const b of patterns) roundTrips(offsets, [a, b, b, a, a]);
  });

  it('spends no value byte on a repeat of the same bits, and tells apart what only looks equal', () => {
    const scratch = new Uint8Array(MAX_SAMPLE_BYTES);
    const nanA = fromBits(EXP | QUIET);
    const nanB = fromBits(EXP | QUIET | 1n);
    // The timestamp's varint alone: the delta of deltas is 0.
    expect(encodeSample(scratch, false, 0, 42.5, 42.5)).toBe(1);
    expect(encodeSample(scratch, false, 0, nanA, nanA)).toBe(1);
    expect(encodeSample(scratch, false, 0, -0, -0)).toBe(1);
    // NaN !== NaN, yet the same bits; another payload, or −0 after 0, is written out raw (tag and 8 bytes).
    expect(encodeSample(scratch, false, 0, nanB, nanA)).toBe(10);
    expect(encodeSample(scratch, false, 0, -0, 0)).toBe(10);
    // 0 after −0 is a scaled value again: a delta from 0 (the raw −0 left no scaled base).
    expect(encodeSample(scratch, false, 0, 0, -0)).toBe(2);
  });

  it('fits a sample with the widest timestamp fields a window allows and a raw double in MAX_SAMPLE_BYTES', () => {
    const scratch = new Uint8Array(MAX_SAMPLE_BYTES);
    expect(encodeSample(scratch, true, HOUR - 1, Math.PI, 0)).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
    expect(encodeSample(scratch, false, -(HOUR - 2), Math.PI, 1)).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
    expect(encodeSample(scratch, false, HOUR - 2, Math.PI, 1)).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
  });
});
