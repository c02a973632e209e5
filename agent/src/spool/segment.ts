import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { fdSource } from './files.js';
import { readRecord, type ByteSource, type SpoolBatch } from './record.js';

/** What the spool remembers about one segment file; a few numbers, whatever its size. */
export interface Segment {
  readonly file: string;
  readonly epoch: string;
  firstSeq: number;
  lastSeq: number;
  batches: number;
  samples: number;
  /** Bytes of valid records; appends go here. */
  bytes: number;
  lastWriteMs: number;
}

export const SEGMENT_RE = /^([A-Za-z0-9_-]{1,64})\.(\d{16})\.seg$/;

export function segmentName(epoch: string, firstSeq: number): string {
  return `${epoch}.${String(firstSeq).padStart(16, '0')}.seg`;
}

/** Per record: enough to describe a gap around it without keeping its samples. */
export interface RecordInfo {
  readonly seq: number;
  readonly samples: number;
  readonly minTs: number;
  readonly maxTs: number;
}

export function recordInfo(b: SpoolBatch): RecordInfo {
  let minTs = 0;
  let maxTs = 0;
  for (const s of b.samples) {
    const t = typeof (s as { timestamp?: unknown }).timestamp === 'number' ? s.timestamp : 0;
    if (t > 0 && (minTs === 0 || t < minTs)) minTs = t;
    if (t > maxTs) maxTs = t;
  }
  return { seq: b.seq, samples: b.samples.length, minTs, maxTs };
}

export interface ScanResult {
  /** Byte ranges of good records, in order. */
  readonly good: Array<{ from: number; to: number }>;
  /** Byte ranges of damage (checksum, framing, out-of-order sequence). */
  readonly bad: Array<{ from: number; to: number; why: string }>;
  /** Start of an interrupted final write, if any. */
  readonly tornAt: number | undefined;
}

/**
 * Walks every record of a segment, calling `onRecord` for each good one whose
 * sequence is above `afterSeq` and the previous good one. Streams: memory
 * stays one record deep whatever the file size.
 */
export function scanSegment(src: ByteSource, afterSeq: number, onRecord: (info: RecordInfo, at: number) => void): ScanResult {
  const good: ScanResult['good'] = [];
  const bad: ScanResult['bad'] = [];
  let tornAt: number | undefined;
  let last = afterSeq;
  let pos = 0;
  for (;;) {
    const r = readRecord(src, pos);
    if (r.kind === 'end') break;
    if (r.kind === 'torn') {
      tornAt = pos;
      break;
    }
    if (r.kind === 'bad') {
      bad.push({ from: pos, to: r.resume, why: r.why });
      pos = r.resume;
      continue;
    }
    if (r.batch.seq <= last) {
      bad.push({ from: pos, to: r.next, why: `sequence ${r.batch.seq} not above ${last}` });
    } else {
      last = r.batch.seq;
      const prev = good[good.length - 1];
      if (prev && prev.to === pos) prev.to = r.next;
      else good.push({ from: pos, to: r.next });
      onRecord(recordInfo(r.batch), pos);
    }
    pos = r.next;
  }
  return { good, bad, tornAt };
}

/** Copies byte ranges of `src` into a new file `path` (chunked), fsyncing it. */
export function copyRanges(src: ByteSource, ranges: ReadonlyArray<{ from: number; to: number }>, path: string, sync: (fd: number) => void): number {
  const fd = openSync(path, 'w', 0o600);
  let written = 0;
  try {
    for (const { from, to } of ranges) {
      for (let p = from; p < to; p += 256 * 1024) {
        const chunk = src.read(p, Math.min(256 * 1024, to - p));
        writeSync(fd, chunk);
        written += chunk.length;
      }
    }
    sync(fd);
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Opens a segment for reading and hands a ByteSource over its current size to `fn`. */
export function withSegment<T>(path: string, fn: (src: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    return fn(fdSource(fd, fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}
