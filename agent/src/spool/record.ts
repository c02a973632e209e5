import type { WireSample } from '@hallmonitor/shared';
import { crc32 } from './crc32.js';

/*
 * One spool record on disk:
 *
 *   offset 0  4 bytes  magic "HMSR" (lets a reader find the next record after damage)
 *          4  u32 LE   payload length in bytes
 *          8  u32 LE   CRC-32 of the payload
 *         12  payload  UTF-8 JSON {"seq": n, "samples": [...]} (the wire samples as sent)
 *
 * A record is valid only if all three agree and the payload has the right shape;
 * anything else is damage to quarantine, never a reason to crash.
 */
export const RECORD_MAGIC = Buffer.from('HMSR', 'latin1');
export const RECORD_HEADER_BYTES = 12;
/** Larger than any batch the agent writes (the wire limit is 256 KiB); bounds what a damaged length can make us allocate. */
export const MAX_RECORD_PAYLOAD = 1024 * 1024;

export interface SpoolBatch {
  readonly seq: number;
  readonly samples: readonly WireSample[];
}

/** Positioned reads over a segment (a file descriptor in production, a Buffer in tests). */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Buffer;
}

export type ReadOutcome =
  | { readonly kind: 'record'; readonly batch: SpoolBatch; readonly next: number }
  /** The source ends inside this record: a write that never completed. */
  | { readonly kind: 'torn' }
  /** Damaged bytes start here; `resume` is where the next record may start (or the size). */
  | { readonly kind: 'bad'; readonly resume: number; readonly why: string }
  | { readonly kind: 'end' };

export function encodeRecord(batch: SpoolBatch): Buffer {
  const payload = Buffer.from(JSON.stringify({ seq: batch.seq, samples: batch.samples }), 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  RECORD_MAGIC.copy(out, 0);
  out.writeUInt32LE(payload.length, 4);
  out.writeUInt32LE(crc32(payload), 8);
  payload.copy(out, RECORD_HEADER_BYTES);
  return out;
}

function validBatch(v: unknown): v is SpoolBatch {
  if (v === null || typeof v !== 'object') return false;
  const b = v as { seq?: unknown; samples?: unknown };
  return Number.isSafeInteger(b.seq) && (b.seq as number) >= 1 && Array.isArray(b.samples);
}

/** Where the next magic starts at or after `from`, or the source size. Reads in bounded chunks. */
export function findMagic(src: ByteSource, from: number): number {
  const chunk = 64 * 1024;
  for (let pos = from; pos < src.size; pos += chunk - (RECORD_MAGIC.length - 1)) {
    const buf = src.read(pos, Math.min(chunk, src.size - pos));
    const i = buf.indexOf(RECORD_MAGIC);
    if (i >= 0) return pos + i;
    if (pos + buf.length >= src.size) break;
  }
  return src.size;
}

/** Reads the record at `pos`. Never throws on damaged input. */
export function readRecord(src: ByteSource, pos: number): ReadOutcome {
  if (pos >= src.size) return { kind: 'end' };
  if (src.size - pos < RECORD_HEADER_BYTES) {
    const head = src.read(pos, src.size - pos);
    // A short tail that still starts like a record is an interrupted write; other bytes are damage.
    return RECORD_MAGIC.subarray(0, head.length).equals(head.subarray(0, RECORD_MAGIC.length)) ? { kind: 'torn' } : { kind: 'bad', resume: src.size, why: 'garbage tail' };
  }
  const header = src.read(pos, RECORD_HEADER_BYTES);
  const bad = (why: string): ReadOutcome => ({ kind: 'bad', resume: findMagic(src, pos + 1), why });
  if (!header.subarray(0, 4).equals(RECORD_MAGIC)) return bad('no record magic');
  const length = header.readUInt32LE(4);
  if (length > MAX_RECORD_PAYLOAD) return bad(`record length ${length} over the limit`);
  if (pos + RECORD_HEADER_BYTES + length > src.size) {
    // Only a record at the very end can be torn; a later magic means the length itself is damaged.
    const later = findMagic(src, pos + 1);
    return later < src.size ? { kind: 'bad', resume: later, why: 'record runs past the next one' } : { kind: 'torn' };
  }
  const payload = src.read(pos + RECORD_HEADER_BYTES, length);
  if (crc32(payload) !== header.readUInt32LE(8)) return bad('checksum mismatch');
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return bad('payload is not JSON');
  }
  if (!validBatch(value)) return bad('payload is not a batch');
  return { kind: 'record', batch: { seq: value.seq, samples: value.samples }, next: pos + RECORD_HEADER_BYTES + length };
}

/** A ByteSource over a Buffer (tests, fuzzing). */
export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (position, length) => buf.subarray(position, Math.min(buf.length, position + length)) };
}
