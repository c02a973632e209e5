import { unzigzag, zigzag } from './int-codec.js';

/**
 * The bytes of an open buffer's samples (open-buffers.ts keeps them in an
 * arena slot): each sample is appended after the last, encoded against the
 * one before it, so a buffer is read front to back.
 *
 *   timestamp  first: varint(ts − windowStart); then varint(zigzag(delta − previous delta) · 2 + same),
 *              where `same` (1) means the value has the same bits as the previous one and no value bytes follow
 *   value      varint(zigzag(v·100 − previous scaled) · 2 + 1) when v·100 is an exact integer
 *              0x00 + 8 bytes little-endian double otherwise (NaN, ±Inf, −0 and every other bit pattern)
 *
 * varint: 7 bits a byte, low bits first, the high bit set on every byte but
 * the last. zigzag: d ≥ 0 → 2d, d < 0 → −2d − 1. A scaled value's varint is
 * odd, so its first byte is never 0x00: that byte tells the two value forms
 * apart. "Previous scaled" is the previous value's own scaled form, or 0 for
 * the first sample and after a raw double.
 *
 * A repeated value costs no byte of its own: half the fleet's series are
 * near-constants, and a two-decimal percentage or a byte gauge costs a few
 * bytes instead of nine. The bytes keep every double's bits, NaN payloads
 * included: "the same value" means the same bits. (Decoded values land in JS
 * arrays, where V8 may quiet a signalling NaN or give a NaN the canonical
 * payload, depending on the array's history; a NaN stays a NaN.)
 */

/**
 * Most bytes one encoded sample takes: a timestamp varint (≤ 4 bytes inside a window, ≤ 8 for any
 * storable offset) plus a tag and a raw double. A slot with less room left than this is nearly full.
 */
export const MAX_SAMPLE_BYTES = 18;
const POW2_48 = 2 ** 48;

/**
 * Encodes one sample into `out` from byte 0 and returns the bytes it took (≤ MAX_SAMPLE_BYTES).
 * For a buffer's first sample, `t` is its offset into the window; for every later one, the
 * delta of deltas (this sample's distance from the previous one, less the previous distance), and
 * `prev` is the previous sample's value.
 */
export function encodeSample(out: Uint8Array, first: boolean, t: number, v: number, prev: number): number {
  const same = !first && sameBits(v, prev);
  let p = putVarint(out, 0, first ? t : zigzag(t) * 2 + (same ? 1 : 0));
  if (same) return p;
  const r = scaledOf(v);
  if (r === r) return putVarint(out, p, zigzag(r - (first ? 0 : scaledBase(prev))) * 2 + 1);
  out[p++] = 0;
  writeF64(out, p, v);
  return p + 8;
}

/** The `n` (≥ 1) samples encoded in `a` from `p`, of the window starting at `windowStart`, in order. */
export function decodeSamples(a: Uint8Array, p: number, n: number, windowStart: number): { ts: number[]; values: number[] } {
  const ts = new Array<number>(n);
  const values = new Array<number>(n);
  let t = windowStart;
  let delta = 0;
  let v = 0;
  let scaled = 0;
  for (let i = 0; i < n; i++) {
    let x = 0;
    let mul = 1;
    for (;;) {
      const b = a[p++] as number;
      x += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    let same = false;
    if (i === 0) t += x;
    else {
      same = x % 2 === 1;
      delta += unzigzag((x - (same ? 1 : 0)) / 2);
      t += delta;
    }
    ts[i] = t;
    if (!same) {
      if (a[p] === 0) {
        v = readF64(a, p + 1);
        scaled = 0;
        p += 9;
      } else {
        let y = 0;
        mul = 1;
        for (;;) {
          const b = a[p++] as number;
          y += (b & 0x7f) * mul;
          if (b < 0x80) break;
          mul *= 128;
        }
        scaled += unzigzag((y - 1) / 2);
        v = scaled / 100;
      }
    }
    values[i] = v;
  }
  return { ts, values };
}

/**
 * Bytes the first two samples encoded in `a` from `start` take. They carry the offset into the
 * window and a whole value, so a buffer's slot is sized from the rest (see OpenBuffers).
 */
export function headBytes(a: Uint8Array, start: number): number {
  let p = start;
  for (let i = 0; i < 2; i++) {
    let same = false;
    for (let mul = 1, x = 0; ; mul *= 128) {
      const b = a[p++] as number;
      x += (b & 0x7f) * mul;
      if (b < 0x80) {
        same = i > 0 && x % 2 === 1;
        break;
      }
    }
    if (same) continue;
    if (a[p] === 0) p += 9;
    else while ((a[p++] as number) >= 0x80);
  }
  return p - start;
}

/** Whether `v` has the bits of `prev`: −0 is not 0, and NaNs carry payload bits, or the codec would not be lossless. */
function sameBits(v: number, prev: number): boolean {
  return v === prev ? v !== 0 || 1 / v === 1 / prev : v !== v && prev !== prev && sameNaN(v, prev);
}

/** v·100 when it is an exact integer the codec stores as a scaled delta (|v·100| < 2^48, not −0), else NaN. */
function scaledOf(v: number): number {
  const r = Math.round(v * 100);
  return r / 100 === v && r < POW2_48 && r > -POW2_48 && !(v === 0 && 1 / v < 0) ? r : Number.NaN;
}

/**
 * The scaled value the next delta is taken from, given the previous value: its own scaled form, or 0
 * after a raw one. A repeated value keeps the bits of the one before, so this is what an encoder that
 * kept the last scaled value in a column would hold.
 */
function scaledBase(prev: number): number {
  const r = scaledOf(prev);
  return r === r ? r : 0;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function writeF64(a: Uint8Array, p: number, v: number): void {
  f64[0] = v;
  for (let i = 0; i < 8; i++) a[p + i] = f64Bytes[i] as number;
}

function readF64(a: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) f64Bytes[i] = a[p + i] as number;
  return f64[0] as number;
}

const nanA = new Float64Array(1);
const nanB = new Float64Array(1);
const nanAWords = new Uint32Array(nanA.buffer);
const nanBWords = new Uint32Array(nanB.buffer);

function sameNaN(a: number, b: number): boolean {
  nanA[0] = a;
  nanB[0] = b;
  return nanAWords[0] === nanBWords[0] && nanAWords[1] === nanBWords[1];
}

function putVarint(a: Uint8Array, p: number, v: number): number {
  let x = v;
  while (x >= 0x80) {
    a[p++] = (x & 0x7f) | 0x80;
    x = Math.floor(x / 128);
  }
  a[p++] = x;
  return p;
}
