import type { BitReader, BitWriter } from './bit-stream.js';

/**
 * Signed integers in prefix-coded buckets (Gorilla's delta-of-delta scheme,
 * widened for millisecond timestamps and scaled decimal values): 0 costs one
 * bit, small values a few bits, anything up to ±2^52 still round-trips.
 */
const WIDTHS = [7, 10, 14, 20, 32, 53] as const;
const LIMITS = WIDTHS.map((w) => 2 ** w);

/** The largest magnitude the codec accepts; beyond it doubles stop being exact integers after zigzag. */
export const MAX_SIGNED = 2 ** 52 - 1;

export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

export function writeSigned(w: BitWriter, v: number): void {
  if (v === 0) {
    w.writeBit(0);
    return;
  }
  const z = zigzag(v);
  for (let i = 0; i < WIDTHS.length; i++) {
    if (z < (LIMITS[i] as number)) {
      // i+1 one-bits, then a zero unless this is the last bucket.
      const ones = i + 1;
      const width = WIDTHS[i] as number;
      // Prefix and value in one write while they fit in 31 bits (every bucket below 32 bits wide).
      if (ones + 1 + width <= 31) w.write((((1 << ones) - 1) << (width + 1)) | z, ones + 1 + width);
      else {
        if (i < WIDTHS.length - 1) w.write(((1 << ones) - 1) << 1, ones + 1);
        else w.write((1 << ones) - 1, ones);
        w.writeWide(z, width);
      }
      return;
    }
  }
  throw new RangeError(`integer ${v} is out of range for the chunk codec`);
}

export function readSigned(r: BitReader): number {
  let ones = 0;
  while (ones < WIDTHS.length && r.readBit() === 1) ones++;
  if (ones === 0) return 0;
  return unzigzag(r.readWide(WIDTHS[ones - 1] as number));
}

/** Bits writeSigned would use, for choosing between codecs without encoding twice. */
export function signedCost(v: number): number {
  if (v === 0) return 1;
  const z = zigzag(v);
  for (let i = 0; i < WIDTHS.length; i++) {
    if (z < (LIMITS[i] as number)) return (i < WIDTHS.length - 1 ? i + 2 : i + 1) + (WIDTHS[i] as number);
  }
  return Number.POSITIVE_INFINITY;
}
