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

/** Writes the head-log format; a class so both encoders share one varint writer. */
class HeadWriter {
  readonly #buf: Buffer;
  #p = 0;
  #prevTs = 0;

  constructor(count: number) {
    this.#buf = Buffer.allocUnsafe(count * 27 + 8);
    this.#varint(count);
  }

  #varint(v: number): void {
    const buf = this.#buf;
    let x = v;
    while (x >= 0x80) {
      buf[this.#p++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    buf[this.#p++] = x;
  }

  put(seriesId: number, ts: number, value: number): void {
    this.#varint(seriesId);
    const d = ts - this.#prevTs;
    this.#varint(d >= 0 ? d * 2 : -d * 2 - 1);
    this.#prevTs = ts;
    this.#buf.writeDoubleLE(value, this.#p);
    this.#p += 8;
  }

  done(): Buffer {
    return this.#buf.subarray(0, this.#p);
  }
}

export function encodeHeadBatch(samples: readonly HeadSample[]): Buffer {
  const w = new HeadWriter(samples.length);
  for (const s of samples) w.put(s.seriesId, s.ts, s.value);
  return w.done();
}

/** The same format from columns: the `count` samples marked in `logged`. */
export function encodeHeadColumns(seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>, logged: Uint8Array, count: number): Buffer {
  const w = new HeadWriter(count);
  for (let i = 0; i < seriesIds.length; i++) if (logged[i] === 1) w.put(seriesIds[i] as number, ts[i] as number, values[i] as number);
  return w.done();
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
