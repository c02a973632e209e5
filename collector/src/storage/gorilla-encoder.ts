import { BitReader, BitWriter } from './bit-stream.js';
import { readSigned, writeSigned } from './int-codec.js';

/**
 * Gorilla-style column codecs (Pelkonen et al., VLDB 2015): delta-of-delta
 * timestamps and XOR-encoded floats. Both are lossless for any input: the
 * timestamp codec takes any integer sequence (equal or decreasing steps just
 * cost more bits) and the float codec keeps every bit pattern, so NaN, ±Inf
 * and -0 come back exactly.
 */

/** Timestamps are integers in [0, 2^47): about 4,400 years of milliseconds, so every delta-of-delta stays exact. */
export const MAX_TIMESTAMP = 2 ** 47 - 1;

export function isStorableTimestamp(ts: number): boolean {
  return Number.isInteger(ts) && ts >= 0 && ts <= MAX_TIMESTAMP;
}

export function writeTimestamps(w: BitWriter, ts: ArrayLike<number>): void {
  const n = ts.length;
  if (n === 0) return;
  const first = ts[0] as number;
  w.writeWide(first, 47);
  let prev = first;
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const t = ts[i] as number;
    const delta = t - prev;
    writeSigned(w, delta - prevDelta);
    prevDelta = delta;
    prev = t;
  }
}

export function readTimestamps(r: BitReader, n: number, out: Float64Array | number[]): void {
  if (n === 0) return;
  let prev = r.readWide(47);
  out[0] = prev;
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    prevDelta += readSigned(r);
    prev += prevDelta;
    out[i] = prev;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts keep the high word at index 1 (every platform Node ships on).
const HI = 1;
const LO = 0;

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

export function writeXorFloats(w: BitWriter, values: ArrayLike<number>): void {
  const n = values.length;
  if (n === 0) return;
  f64[0] = values[0] as number;
  let prevHi = u32[HI] as number;
  let prevLo = u32[LO] as number;
  w.write(prevHi, 32);
  w.write(prevLo, 32);
  // The previous "meaningful bits" window; reusing it saves 11 bits per value.
  let winLead = -1;
  let winTrail = 0;
  for (let i = 1; i < n; i++) {
    f64[0] = values[i] as number;
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (winLead >= 0 && lead >= winLead && trail >= winTrail) {
      w.write(0b10, 2);
      writeBits64(w, xh, xl, winTrail, 64 - winLead - winTrail);
      continue;
    }
    // Leading zeros are capped at 31 to fit 5 bits; the window then simply starts earlier.
    const l = lead > 31 ? 31 : lead;
    const len = 64 - l - trail;
    w.write(0b11, 2);
    w.write(l, 5);
    // len is 1..64; 64 is written as 0 in 6 bits.
    w.write(len & 63, 6);
    writeBits64(w, xh, xl, trail, len);
    winLead = l;
    winTrail = trail;
  }
}

/**
 * Bits writeXorFloats would write for `values`, counted without writing them.
 * It makes the same choices as writeXorFloats, one for one (a property test holds them
 * equal); running writeXorFloats itself into a counting sink made encoding
 * 20% slower, the call sites then seeing two kinds of writer.
 */
export function xorFloatsCost(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  f64[0] = values[0] as number;
  let prevHi = u32[HI] as number;
  let prevLo = u32[LO] as number;
  let bits = 64;
  let winLead = -1;
  let winTrail = 0;
  for (let i = 1; i < n; i++) {
    f64[0] = values[i] as number;
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      bits += 1;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (winLead >= 0 && lead >= winLead && trail >= winTrail) {
      bits += 2 + 64 - winLead - winTrail;
      continue;
    }
    const l = lead > 31 ? 31 : lead;
    bits += 13 + 64 - l - trail;
    winLead = l;
    winTrail = trail;
  }
  return bits;
}

/** Writes `len` bits of the 64-bit (xh:xl) starting `shift` bits above bit 0. */
function writeBits64(w: BitWriter, xh: number, xl: number, shift: number, len: number): void {
  // Shift right by `shift` across the two halves.
  let h: number;
  let l: number;
  if (shift >= 32) {
    h = 0;
    l = xh >>> (shift - 32);
  } else if (shift === 0) {
    h = xh;
    l = xl;
  } else {
    h = xh >>> shift;
    l = ((xl >>> shift) | (xh << (32 - shift))) >>> 0;
  }
  if (len > 32) {
    w.write(h, len - 32);
    w.write(l, 32);
  } else {
    w.write(l, len);
  }
}

export function readXorFloats(r: BitReader, n: number, out: Float64Array | number[]): void {
  if (n === 0) return;
  let hi = r.read(32);
  let lo = r.read(32);
  u32[HI] = hi;
  u32[LO] = lo;
  out[0] = f64[0] as number;
  let winLead = 0;
  let winTrail = 0;
  for (let i = 1; i < n; i++) {
    if (r.readBit() === 1) {
      if (r.readBit() === 1) {
        winLead = r.read(5);
        const len = r.read(6) || 64;
        winTrail = 64 - winLead - len;
      }
      const len = 64 - winLead - winTrail;
      let h = 0;
      let l: number;
      if (len > 32) {
        h = r.read(len - 32);
        l = r.read(32);
      } else {
        l = r.read(len);
      }
      // Shift (h:l) left by winTrail back into place.
      let xh: number;
      let xl: number;
      const s = winTrail;
      if (s >= 32) {
        xh = (l << (s - 32)) >>> 0;
        xl = 0;
      } else if (s === 0) {
        xh = h >>> 0;
        xl = l >>> 0;
      } else {
        xh = ((h << s) | (l >>> (32 - s))) >>> 0;
        xl = (l << s) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
      u32[HI] = hi;
      u32[LO] = lo;
    }
    out[i] = f64[0] as number;
  }
}

export { BitReader, BitWriter };
