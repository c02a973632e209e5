/*
 * Prometheus remote write 1.0 (prometheus.WriteRequest), encoded by hand:
 * four tiny messages, no protobuf library needed.
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // ms since the epoch
 * Sizes are computed before writing, so each request is one buffer with no
 * per-message allocations (a big fleet sends tens of thousands of series a second).
 */

export interface RwSeries {
  /** Sorted by name, `__name__` included. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** [timestamp ms, value] in time order. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  varint(v: number): void {
    // Timestamps exceed 2^32, so no bit operators above that.
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  string(s: string, len: number): void {
    this.varint(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }
  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
}

function labelSize(nLen: number, vLen: number): number {
  return 1 + varintSize(nLen) + nLen + 1 + varintSize(vLen) + vLen;
}

function sampleSize(ts: number): number {
  return 9 + 1 + varintSize(ts);
}

/** Encodes a WriteRequest (before snappy compression). Negative timestamps are not supported (the wire schema has none). */
export function encodeWriteRequest(series: Iterable<RwSeries>): Uint8Array {
  const plan: Array<{ s: RwSeries; lens: number[]; size: number }> = [];
  let total = 0;
  for (const s of series) {
    const lens: number[] = [];
    let size = 0;
    for (const [n, v] of s.labels) {
      const nl = Buffer.byteLength(n);
      const vl = Buffer.byteLength(v);
      lens.push(nl, vl);
      const ls = labelSize(nl, vl);
      size += 1 + varintSize(ls) + ls;
    }
    for (const [ts] of s.samples) {
      const ss = sampleSize(ts);
      size += 1 + varintSize(ss) + ss;
    }
    plan.push({ s, lens, size });
    total += 1 + varintSize(size) + size;
  }
  const w = new Writer(total);
  for (const { s, lens, size } of plan) {
    w.byte(0x0a); // field 1, length-delimited
    w.varint(size);
    let i = 0;
    for (const [n, v] of s.labels) {
      const nl = lens[i++] as number;
      const vl = lens[i++] as number;
      w.byte(0x0a);
      w.varint(labelSize(nl, vl));
      w.byte(0x0a);
      w.string(n, nl);
      w.byte(0x12);
      w.string(v, vl);
    }
    for (const [ts, v] of s.samples) {
      w.byte(0x12); // field 2, length-delimited
      w.varint(sampleSize(ts));
      w.byte(0x09); // field 1, 64-bit
      w.double(v);
      w.byte(0x10); // field 2, varint
      w.varint(ts);
    }
  }
  return w.buf.subarray(0, w.pos);
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, pos];
    mul *= 128;
  }
}

/**
 * The encoded TimeSeries entries of a WriteRequest, as byte ranges. Splitting a
 * request that a receiver refused needs nothing more: concatenated entries are
 * again a valid WriteRequest.
 */
export function splitWriteRequest(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, p1] = readVarint(buf, pos);
    if (tag !== 0x0a) throw new Error(`unexpected field tag ${tag} in WriteRequest`);
    const [len, p2] = readVarint(buf, p1);
    pos = p2 + len;
    if (pos > buf.length) throw new Error('truncated WriteRequest');
    out.push(buf.subarray(start, pos));
  }
  return out;
}

/** Decodes a WriteRequest (tests, and checking what a receiver would see). */
export function decodeWriteRequest(buf: Uint8Array): RwSeries[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RwSeries[] = [];
  for (const entry of splitWriteRequest(buf)) {
    const base = entry.byteOffset - buf.byteOffset;
    let [, pos] = readVarint(entry, 0);
    [, pos] = readVarint(entry, pos);
    const labels: Array<[string, string]> = [];
    const samples: Array<[number, number]> = [];
    while (pos < entry.length) {
      const [tag, p1] = readVarint(entry, pos);
      const [len, p2] = readVarint(entry, p1);
      const end = p2 + len;
      if (tag === 0x0a) {
        let q = p2;
        let name = '';
        let value = '';
        while (q < end) {
          const [t, q1] = readVarint(entry, q);
          const [l, q2] = readVarint(entry, q1);
          const text = view.toString('utf8', base + q2, base + q2 + l);
          if (t === 0x0a) name = text;
          else value = text;
          q = q2 + l;
        }
        labels.push([name, value]);
      } else if (tag === 0x12) {
        let q = p2;
        let value = 0;
        let ts = 0;
        while (q < end) {
          const t = entry[q] as number;
          if (t === 0x09) {
            value = view.readDoubleLE(base + q + 1);
            q += 9;
          } else {
            [ts, q] = readVarint(entry, q + 1);
          }
        }
        samples.push([ts, value]);
      }
      pos = end;
    }
    out.push({ labels, samples });
  }
  return out;
}
