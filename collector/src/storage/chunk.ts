import { BitReader, BitWriter } from './bit-stream.js';
import { readTimestamps, writeTimestamps } from './gorilla-encoder.js';
import { decodeValueColumn, encodeValueColumn } from './value-codec.js';

/**
 * The on-disk chunk: a timestamp column and one or more value columns (raw
 * chunks have one; rollup chunks have count/sum/min/max/last). Each column is
 * a byte-aligned section with its length in front, so a reader decodes only
 * the columns it needs (an average needs sum and count, not min/max/last).
 *
 *   u8 version | varint count | u8 columns | varint len, ts bits | (varint len, value bits)…
 */
export const CHUNK_FORMAT = 1;

export class ChunkFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkFormatError';
  }
}

function putVarint(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
}

function getVarint(buf: Uint8Array, pos: { p: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos.p >= buf.length) throw new ChunkFormatError('truncated chunk header');
    const b = buf[pos.p++] as number;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new ChunkFormatError('bad varint in chunk header');
}

export function encodeChunk(ts: ArrayLike<number>, columns: ReadonlyArray<ArrayLike<number>>): Uint8Array {
  const n = ts.length;
  for (const c of columns) if (c.length !== n) throw new RangeError('column lengths differ');
  const tw = new BitWriter(n + 16);
  writeTimestamps(tw, ts);
  const sections = [tw.finish(), ...columns.map((c) => encodeValueColumn(c))];
  const head: number[] = [CHUNK_FORMAT];
  putVarint(head, n);
  head.push(columns.length);
  let total = head.length;
  const lens: number[][] = [];
  for (const s of sections) {
    const l: number[] = [];
    putVarint(l, s.length);
    lens.push(l);
    total += l.length + s.length;
  }
  const out = new Uint8Array(total);
  out.set(head, 0);
  let p = head.length;
  sections.forEach((s, i) => {
    out.set(lens[i] as number[], p);
    p += (lens[i] as number[]).length;
    out.set(s, p);
    p += s.length;
  });
  return out;
}

export interface DecodedChunk {
  readonly ts: Float64Array;
  /** One entry per column; undefined where the caller did not ask for it. */
  readonly columns: Array<Float64Array | undefined>;
}

/** Decodes a chunk; `want[i] === false` skips value column i. Throws ChunkFormatError on anything malformed. */
export function decodeChunk(buf: Uint8Array, want?: readonly boolean[]): DecodedChunk {
  if (buf.length < 3 || buf[0] !== CHUNK_FORMAT) throw new ChunkFormatError(`unknown chunk format ${buf[0] ?? 'none'}`);
  const pos = { p: 1 };
  const n = getVarint(buf, pos);
  const ncols = buf[pos.p++] as number;
  const ts = new Float64Array(n);
  const columns: Array<Float64Array | undefined> = [];
  try {
    for (let s = 0; s <= ncols; s++) {
      const len = getVarint(buf, pos);
      const start = pos.p;
      const end = start + len;
      if (end > buf.length) throw new ChunkFormatError('chunk section past the end');
      if (s === 0) {
        readTimestamps(new BitReader(buf, start, end), n, ts);
      } else if (want === undefined || want[s - 1] !== false) {
        const col = new Float64Array(n);
        decodeValueColumn(buf, start, end, n, col);
        columns.push(col);
      } else {
        columns.push(undefined);
      }
      pos.p = end;
    }
  } catch (err) {
    if (err instanceof ChunkFormatError) throw err;
    throw new ChunkFormatError(`corrupt chunk: ${(err as Error).message}`);
  }
  return { ts, columns };
}

/** Reads only the sample count, for statistics and replay decisions. */
export function chunkCount(buf: Uint8Array): number {
  if (buf[0] !== CHUNK_FORMAT) throw new ChunkFormatError(`unknown chunk format ${buf[0] ?? 'none'}`);
  return getVarint(buf, { p: 1 });
}
