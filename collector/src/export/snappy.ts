/*
 * Snappy block format (https://github.com/google/snappy/blob/main/format_description.txt),
 * which remote write requires. A plain greedy compressor — hash of 4 bytes,
 * one candidate, literals and copies — over 64 KiB fragments, like the
 * reference encoder, and the matching decompressor. Pure JS: the collector
 * stays free of native modules beyond SQLite.
 */

const FRAGMENT = 1 << 16;
const HASH_BITS = 14;

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function load32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}

class Out {
  buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.byte(v);
  }
  literal(src: Uint8Array, from: number, to: number): void {
    const n = to - from - 1;
    if (n < 0) return;
    if (n < 60) this.byte(n << 2);
    else if (n < 0x100) {
      this.byte(60 << 2);
      this.byte(n);
    } else if (n < 0x10000) {
      this.byte(61 << 2);
      this.byte(n & 0xff);
      this.byte(n >>> 8);
    } else {
      this.byte(62 << 2);
      this.byte(n & 0xff);
      this.byte((n >>> 8) & 0xff);
      this.byte(n >>> 16);
    }
    this.buf.set(src.subarray(from, to), this.pos);
    this.pos += to - from;
  }
  copy(offset: number, len: number): void {
    while (len >= 68) {
      this.copy2(offset, 64);
      len -= 64;
    }
    if (len > 64) {
      this.copy2(offset, 60);
      len -= 60;
    }
    if (len >= 4 && len <= 11 && offset < 2048) {
      this.byte(1 | ((len - 4) << 2) | ((offset >>> 8) << 5));
      this.byte(offset & 0xff);
    } else this.copy2(offset, len);
  }
  copy2(offset: number, len: number): void {
    this.byte(2 | ((len - 1) << 2));
    this.byte(offset & 0xff);
    this.byte(offset >>> 8);
  }
}

/** Compresses to the snappy block format (varint length, then literals and copies). */
export function snappyCompress(input: Uint8Array): Uint8Array {
  // Worst case: every byte a literal, plus tags.
  const out = new Out(32 + input.length + Math.ceil(input.length / 6));
  out.varint(input.length);
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < input.length; start += FRAGMENT) {
    const end = Math.min(start + FRAGMENT, input.length);
    table.fill(-1);
    let lit = start;
    let i = start;
    // The last bytes stay literal: a match needs 4 bytes to compare.
    const limit = end - 4;
    while (i <= limit) {
      const cur = load32(input, i);
      const h = hash(cur);
      const cand = table[h] as number;
      table[h] = i;
      if (cand >= start && load32(input, cand) === cur) {
        out.literal(input, lit, i);
        let len = 4;
        while (i + len < end && input[cand + len] === input[i + len]) len++;
        out.copy(i - cand, len);
        i += len;
        lit = i;
      } else {
        // Skip faster through data that does not compress.
        i += 1 + ((i - lit) >>> 5);
      }
    }
    out.literal(input, lit, end);
  }
  return out.buf.subarray(0, out.pos);
}

/** Decompresses the snappy block format; throws on malformed input. */
export function snappyDecompress(input: Uint8Array): Uint8Array {
  let pos = 0;
  let length = 0;
  let shift = 0;
  for (;;) {
    const b = input[pos++];
    if (b === undefined || shift > 28) throw new Error('snappy: bad length header');
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  length >>>= 0;
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < input.length) {
    const tag = input[pos++] as number;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        n = 0;
        for (let k = 0; k < bytes; k++) n |= (input[pos++] as number) << (8 * k);
      }
      n += 1;
      if (pos + n > input.length || o + n > length) throw new Error('snappy: literal out of range');
      out.set(input.subarray(pos, pos + n), o);
      pos += n;
      o += n;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (input[pos++] as number);
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      offset = (input[pos] as number) | ((input[pos + 1] as number) << 8);
      pos += 2;
    } else {
      len = (tag >>> 2) + 1;
      offset = ((input[pos] as number) | ((input[pos + 1] as number) << 8) | ((input[pos + 2] as number) << 16) | ((input[pos + 3] as number) << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy: copy out of range');
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset] as number;
  }
  if (o !== length) throw new Error('snappy: length mismatch');
  return out;
}
