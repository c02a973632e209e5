import { BitReader, BitWriter } from './bit-stream.js';
import { readXorFloats, writeXorFloats, xorFloatsCost } from './gorilla-encoder.js';
import { readSigned, signedCost, writeSigned } from './int-codec.js';

/**
 * One column of float values, encoded by whichever lossless codec is smallest:
 * Gorilla XOR for arbitrary floats, or — when every value is a short decimal
 * (percentages with two decimals, byte counts, 0/1 flags) — the values scaled
 * to integers and stored as deltas or delta-of-deltas. XOR alone costs ~8
 * bytes per two-decimal percentage; the scaled form ~2.
 */
const enum Codec {
  Xor = 0,
  ScaledDelta = 1,
  ScaledDod = 2,
}

const MAX_DECIMALS = 6;
/** Scaled integers stay below 2^49 so deltas of deltas stay exact in the integer codec. */
const MAX_SCALED = 2 ** 49;
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** The fewest decimals that represent every value exactly, or -1 when some value needs XOR. */
export function decimalsFor(values: ArrayLike<number>): number {
  let d = 0;
  outer: while (d <= MAX_DECIMALS) {
    const scale = POW10[d] as number;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      // -0 would come back as 0 from an integer, so it goes to XOR.
      if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return -1;
      const r = Math.round(v * scale);
      if (r / scale !== v || r >= MAX_SCALED || r <= -MAX_SCALED) {
        d++;
        continue outer;
      }
    }
    return d;
  }
  return -1;
}

export function encodeValueColumn(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  // The smaller codec is chosen from bit counts before anything is written: most columns are short
  // decimals, and writing their XOR form only to throw it away was a third of the cost of a seal.
  const xorBits = 5 + xorFloatsCost(values);
  const d = n > 1 ? decimalsFor(values) : -1;
  if (d >= 0) {
    const scale = POW10[d] as number;
    const ints = new Float64Array(n);
    for (let i = 0; i < n; i++) ints[i] = Math.round((values[i] as number) * scale);
    let costDelta = 0;
    let costDod = 0;
    let prevDelta = 0;
    for (let i = 1; i < n; i++) {
      const delta = (ints[i] as number) - (ints[i - 1] as number);
      costDelta += signedCost(delta);
      costDod += signedCost(delta - prevDelta);
      prevDelta = delta;
    }
    const codec = costDod < costDelta ? Codec.ScaledDod : Codec.ScaledDelta;
    const intBits = 5 + signedCost(ints[0] as number) + Math.min(costDelta, costDod);
    if (intBits < xorBits) {
      const w = new BitWriter((intBits >>> 3) + 8);
      w.write(codec, 2);
      w.write(d, 3);
      writeSigned(w, ints[0] as number);
      prevDelta = 0;
      for (let i = 1; i < n; i++) {
        const delta = (ints[i] as number) - (ints[i - 1] as number);
        writeSigned(w, codec === Codec.ScaledDod ? delta - prevDelta : delta);
        prevDelta = delta;
      }
      return w.finish();
    }
  }
  const xor = new BitWriter((xorBits >>> 3) + 8);
  xor.write(Codec.Xor, 2);
  xor.write(0, 3);
  writeXorFloats(xor, values);
  return xor.finish();
}

export function decodeValueColumn(buf: Uint8Array, start: number, end: number, n: number, out: Float64Array): void {
  const r = new BitReader(buf, start, end);
  const codec = r.read(2);
  const d = r.read(3);
  if (codec === Codec.Xor) {
    readXorFloats(r, n, out);
    return;
  }
  if (n === 0) return;
  if (d > MAX_DECIMALS || codec > Codec.ScaledDod) throw new RangeError('unknown value codec');
  const scale = POW10[d] as number;
  let cur = readSigned(r);
  out[0] = cur / scale;
  let delta = 0;
  for (let i = 1; i < n; i++) {
    if (codec === Codec.ScaledDod) delta += readSigned(r);
    else delta = readSigned(r);
    cur += delta;
    out[i] = cur / scale;
  }
}
