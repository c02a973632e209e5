/**
 * The head log: samples not yet sealed into chunks, one row per append call
 * (one agent batch) in an append-only table. A whole batch in one small BLOB
 * costs ~11 bytes per sample instead of ~26 for a row per sample, and one
 * INSERT instead of hundreds. Rows are deleted in rowid order once every
 * sample in them is sealed.
 *
 *   per sample: varint seriesId | zigzag-varint ts delta (from the previous sample) | f64 LE value
 */
export interface HeadSample {
  seriesId: number;
  ts: number;
  value: number;
}

export class HeadLogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeadLogFormatError';
  }
}

export function encodeHeadBatch(samples: readonly HeadSample[]): Buffer {
  const buf = Buffer.allocUnsafe(samples.length * 27 + 8);
  let p = 0;
  const putVarint = (v: number): void => {
    let x = v;
    while (x >= 0x80) {
      buf[p++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    buf[p++] = x;
  };
  putVarint(samples.length);
  let prevTs = 0;
  for (const s of samples) {
    putVarint(s.seriesId);
    const d = s.ts - prevTs;
    putVarint(d >= 0 ? d * 2 : -d * 2 - 1);
    prevTs = s.ts;
    buf.writeDoubleLE(s.value, p);
    p += 8;
  }
  return buf.subarray(0, p);
}

export function decodeHeadBatch(buf: Uint8Array): HeadSample[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const getVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 9; i++) {
      if (p >= b.length) throw new HeadLogFormatError('truncated head batch');
      const x = b[p++] as number;
      result += (x & 0x7f) * mul;
      if (x < 0x80) return result;
      mul *= 128;
    }
    throw new HeadLogFormatError('bad varint in head batch');
  };
  const n = getVarint();
  const out: HeadSample[] = new Array(n);
  let prevTs = 0;
  for (let i = 0; i < n; i++) {
    const seriesId = getVarint();
    const z = getVarint();
    prevTs += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (p + 8 > b.length) throw new HeadLogFormatError('truncated head batch');
    out[i] = { seriesId, ts: prevTs, value: b.readDoubleLE(p) };
    p += 8;
  }
  return out;
}
