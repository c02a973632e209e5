import { ByteArena, EMPTY, MIN_SLOT, type Slot } from './byte-arena.js';
import { CHUNK_WINDOW_MS } from './chunk-table.js';
import { grownColumn } from './columns.js';

/** Worst case bytes of one encoded sample: an 8-byte timestamp varint, a tag and a raw double. */
const MAX_SAMPLE_BYTES = 18;
const SCRATCH = new Uint8Array(MAX_SAMPLE_BYTES);
const POW2_48 = 2 ** 48;
/** "No head_log row" in the int32 column (ids beyond it are recorded as NO_HEAD - 1: the log is kept longer, never cut short). */
export const NO_HEAD = 2 ** 31 - 1;
/** openedAt is kept in whole seconds since this process started, in an int32 column. */
const EPOCH = Date.now();
const FREE = -1;
/**
 * Bytes a sample of a host metric takes in this codec, measured on the fleet's metric set (3.1–3.5):
 * sizes a buffer's first slot so that it holds `expectSamples` without growing through the classes.
 */
const TYPICAL_SAMPLE_BYTES = 3.5;
/** How long after its end a window's buffers wait for stragglers (agents send every 15 s) before they are spilled. */
const ENDED_SETTLE_MS = 60_000;

/**
 * The in-memory side of the head: per series and chunk window, the samples
 * that are durable in the head log but not yet in a chunk. At 300,000 series
 * this is most of the collector's memory, so it is a table, not objects: a
 * buffer is a slot number, its state a row across typed-array columns (~70
 * bytes, nothing for the GC to trace), and its samples sit compact — about 2–4
 * bytes each instead of 16 — in a slot of the shared ByteArena, append-only:
 *
 *   timestamp  first: varint(ts − windowStart); then zigzag-varint(delta − previous delta)
 *   value      0x00 = same bits as the previous value
 *              varint(zigzag(v·100 − previous scaled) · 4 + 1) when v·100 is an exact integer
 *              0x02 + 8 bytes little-endian double otherwise (NaN, ±Inf, −0 and every other bit pattern)
 *
 * A sample older than the newest is rare (a skewed or replaying agent): the
 * buffer is decoded, the sample inserted in order and the buffer re-encoded.
 * The store spills a buffer that grows past a few dozen samples into a chunk
 * row, so memory per series stays bounded whatever the window. Slots are
 * stable while a buffer is open (freed slots are reused, never moved).
 */
export class OpenBuffers {
  readonly #arena = new ByteArena();
  /** Scratch slot records: one for the allocation in progress, one for releases. */
  readonly #scratch: Slot = { cls: -1, handle: -1, arr: EMPTY, off: 0, cap: 0 };
  readonly #releasing: Slot = { cls: -1, handle: -1, arr: EMPTY, off: 0, cap: 0 };
  #capacity = 0;
  /** Slots in use or freed: scans stop here. */
  #high = 0;
  #size = 0;
  #samples = 0;
  readonly #free: number[] = [];
  // Columns, one row per slot.
  #series = new Int32Array(0);
  /** Window start in hours since the epoch; FREE for a free slot. */
  #hour = new Int32Array(0);
  #openedSec = new Int32Array(0);
  #minHead = new Int32Array(0);
  #maxHead = new Float64Array(0);
  /** Append generation that last touched the slot (int32: a wrap needs 2^31 appends, ~200 years at 5,000 agents). */
  #mark = new Int32Array(0);
  #count = new Int32Array(0);
  /** Newest timestamp this buffer already wrote to chunk rows of its window, as an offset into the window (-1: none). */
  #spilledOff = new Int32Array(0);
  #lastOff = new Int32Array(0);
  #lastDelta = new Int32Array(0);
  #lastValue = new Float64Array(0);
  #lastScaled = new Float64Array(0);
  #cls = new Int8Array(0);
  /** Size class the buffer's samples needed last time (kept across a spill: the next slot is sized right away). */
  #hint = new Int8Array(0);
  #handle = new Int32Array(0);
  #off = new Int32Array(0);
  #cap = new Int32Array(0);
  #len = new Int32Array(0);
  #arr: Uint8Array[] = [];
  /** Samples a buffer is expected to hold before it is spilled or sealed: sizes its slot. */
  readonly #expectSamples: number;
  /**
   * Series id → slot + 1 (0: none) of its buffers. Two columns, because every series has two open
   * windows for the grace period after each hour; a third or more (late or skewed data) go to #extra.
   */
  #first = new Int32Array(0);
  #second = new Int32Array(0);
  readonly #extra = new Map<number, number[]>();

  constructor(expectSamples = 30) {
    this.#expectSamples = expectSamples;
  }

  /** The slot of a series' buffer for a window, opened if new. */
  get(seriesId: number, windowStart: number, now: number): number {
    const hour = windowStart / CHUNK_WINDOW_MS;
    if (seriesId >= this.#first.length) {
      const n = Math.max(seriesId + 1, Math.ceil(this.#first.length * 1.5), 1024);
      this.#first = grownColumn(this.#first, n);
      this.#second = grownColumn(this.#second, n);
    }
    const a = (this.#first[seriesId] as number) - 1;
    if (a >= 0 && this.#hour[a] === hour) return a;
    const b = (this.#second[seriesId] as number) - 1;
    if (b >= 0 && this.#hour[b] === hour) return b;
    const extra = this.#extra.get(seriesId);
    if (extra) for (const s of extra) if (this.#hour[s] === hour) return s;
    const slot = this.#allocSlot();
    this.#series[slot] = seriesId;
    this.#hour[slot] = hour;
    this.#openedSec[slot] = Math.floor((now - EPOCH) / 1000);
    this.#minHead[slot] = NO_HEAD;
    this.#maxHead[slot] = 0;
    this.#mark[slot] = 0;
    this.#count[slot] = 0;
    this.#spilledOff[slot] = -1;
    this.#len[slot] = 0;
    this.#cls[slot] = -1;
    this.#hint[slot] = -1;
    this.#handle[slot] = -1;
    this.#cap[slot] = 0;
    this.#arr[slot] = EMPTY;
    if (a < 0) this.#first[seriesId] = slot + 1;
    else if (b < 0) this.#second[seriesId] = slot + 1;
    else if (extra) extra.push(slot);
    else this.#extra.set(seriesId, [slot]);
    this.#size++;
    return slot;
  }

  #allocSlot(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    // 1.5× growth: the columns are ~90 bytes a slot, and doubling left up to half of them unused.
    if (this.#high === this.#capacity) this.#resize(Math.max(1024, Math.ceil(this.#capacity * 1.5)));
    return this.#high++;
  }

  #resize(n: number): void {
    this.#capacity = n;
    this.#series = grownColumn(this.#series, n);
    this.#hour = grownColumn(this.#hour, n);
    this.#openedSec = grownColumn(this.#openedSec, n);
    this.#minHead = grownColumn(this.#minHead, n);
    this.#maxHead = grownColumn(this.#maxHead, n);
    this.#mark = grownColumn(this.#mark, n);
    this.#count = grownColumn(this.#count, n);
    this.#spilledOff = grownColumn(this.#spilledOff, n);
    this.#lastOff = grownColumn(this.#lastOff, n);
    this.#lastDelta = grownColumn(this.#lastDelta, n);
    this.#lastValue = grownColumn(this.#lastValue, n);
    this.#lastScaled = grownColumn(this.#lastScaled, n);
    this.#cls = grownColumn(this.#cls, n);
    this.#hint = grownColumn(this.#hint, n);
    this.#handle = grownColumn(this.#handle, n);
    this.#off = grownColumn(this.#off, n);
    this.#cap = grownColumn(this.#cap, n);
    this.#len = grownColumn(this.#len, n);
  }

  seriesId(slot: number): number {
    return this.#series[slot] as number;
  }

  windowStart(slot: number): number {
    return (this.#hour[slot] as number) * CHUNK_WINDOW_MS;
  }

  windowEnd(slot: number): number {
    return ((this.#hour[slot] as number) + 1) * CHUNK_WINDOW_MS;
  }

  /** Wall-clock time the buffer was opened (to the second); bounds how long a future-dated window pins the head log. */
  openedAt(slot: number): number {
    return EPOCH + (this.#openedSec[slot] as number) * 1000;
  }

  /** Samples now in memory. */
  count(slot: number): number {
    return this.#count[slot] as number;
  }

  /** Bytes the samples take. */
  bytes(slot: number): number {
    return this.#len[slot] as number;
  }

  lastTs(slot: number): number {
    return this.windowStart(slot) + (this.#lastOff[slot] as number);
  }

  lastValue(slot: number): number {
    return this.#lastValue[slot] as number;
  }

  maxHeadId(slot: number): number {
    return this.#maxHead[slot] as number;
  }

  /** Records that head_log row `id` holds samples of this buffer. */
  noteHead(slot: number, id: number): void {
    const h = id < NO_HEAD ? id : NO_HEAD - 1;
    if (h < (this.#minHead[slot] as number)) this.#minHead[slot] = h;
    if (id > (this.#maxHead[slot] as number)) this.#maxHead[slot] = id;
  }

  /** True the first time a slot is marked with `gen` (which buffers one append call touched). */
  mark(slot: number, gen: number): boolean {
    if (this.#mark[slot] === gen) return false;
    this.#mark[slot] = gen;
    return true;
  }

  /** Newest timestamp already in chunk rows of this window from this buffer's spills (-Infinity: none). */
  spilledMaxTs(slot: number): number {
    const off = this.#spilledOff[slot] as number;
    return off < 0 ? Number.NEGATIVE_INFINITY : this.windowStart(slot) + off;
  }

  setSpilledMaxTs(slot: number, ts: number): void {
    this.#spilledOff[slot] = ts - this.windowStart(slot);
  }

  /** Inserts in time order; an equal timestamp keeps the first value and returns false. */
  insert(slot: number, t: number, v: number): boolean {
    const off = t - this.windowStart(slot);
    if (this.#count[slot] === 0 || off > (this.#lastOff[slot] as number)) {
      this.#append(slot, off, v);
      this.#samples++;
      return true;
    }
    const { ts, values } = this.decode(slot);
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    if (ts[lo] === t) return false;
    ts.splice(lo, 0, t);
    values.splice(lo, 0, v);
    this.#release(slot);
    this.#count[slot] = 0;
    this.#len[slot] = 0;
    const ws = this.windowStart(slot);
    for (let i = 0; i < ts.length; i++) this.#append(slot, (ts[i] as number) - ws, values[i] as number);
    this.#samples++;
    return true;
  }

  /** The samples in time order. */
  decode(slot: number): { ts: number[]; values: number[] } {
    const n = this.#count[slot] as number;
    const ts = new Array<number>(n);
    const values = new Array<number>(n);
    const a = this.#arr[slot] as Uint8Array;
    let p = this.#off[slot] as number;
    let t = this.windowStart(slot);
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
      if (i === 0) t += x;
      else {
        delta += x % 2 === 0 ? x / 2 : -(x + 1) / 2;
        t += delta;
      }
      ts[i] = t;
      const tag = a[p] as number;
      if (tag === 0) {
        p++;
      } else if (tag === 2) {
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
        const z = (y - 1) / 4;
        scaled += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        v = scaled / 100;
      }
      values[i] = v;
    }
    return { ts, values };
  }

  #append(slot: number, off: number, v: number): void {
    // Encoded into scratch first, so a slot grows only when the bytes of this sample do not fit.
    const a = SCRATCH;
    let p = 0;
    const n = this.#count[slot] as number;
    if (n === 0) {
      p = putVarint(a, p, off);
      this.#lastDelta[slot] = 0;
      this.#lastScaled[slot] = 0;
    } else {
      const delta = off - (this.#lastOff[slot] as number);
      const dod = delta - (this.#lastDelta[slot] as number);
      p = putVarint(a, p, dod >= 0 ? dod * 2 : -dod * 2 - 1);
      this.#lastDelta[slot] = delta;
    }
    this.#lastOff[slot] = off;
    const prev = this.#lastValue[slot] as number;
    if (n > 0 && (v === prev ? v !== 0 || 1 / v === 1 / prev : v !== v && prev !== prev && sameNaN(v, prev))) {
      a[p++] = 0;
    } else {
      const r = Math.round(v * 100);
      if (r / 100 === v && r < POW2_48 && r > -POW2_48 && !(v === 0 && 1 / v < 0)) {
        const d = r - (this.#lastScaled[slot] as number);
        p = putVarint(a, p, (d >= 0 ? d * 2 : -d * 2 - 1) * 4 + 1);
        this.#lastScaled[slot] = r;
      } else {
        a[p++] = 2;
        writeF64(a, p, v);
        p += 8;
        this.#lastScaled[slot] = 0;
      }
    }
    this.#lastValue[slot] = v;
    const len = this.#len[slot] as number;
    if (len + p > (this.#cap[slot] as number)) this.#grow(slot, len, len + p);
    const dst = this.#arr[slot] as Uint8Array;
    const at = (this.#off[slot] as number) + len;
    for (let i = 0; i < p; i++) dst[at + i] = a[i] as number;
    this.#len[slot] = len + p;
    this.#count[slot] = n + 1;
  }

  #grow(slot: number, used: number, need: number): void {
    const next = this.#scratch;
    // One slot sized for what the buffer holds when it spills, not a walk through every size class:
    // buffers of a fleet fill in lockstep, and the slots of each class they passed through stayed
    // reserved in the arena (measured at 300,000 series: ~140 MB). A buffer that fills its slot before
    // `expectSamples` is spilled when nearly full (scan), so this grows again only between two
    // maintenance passes, or for values the codec stores raw (8 bytes each).
    const n = this.#count[slot] as number;
    const perSample = n >= 4 ? used / n : TYPICAL_SAMPLE_BYTES;
    // Right after an hour boundary the series' previous window still holds its samples until it is
    // spilled a minute later: a full-size slot for the new window now would hold the arena at two
    // windows' worth from then on (measured at 300,000 series: 37 → 74 MB). The new window starts in
    // the smallest slot and grows once the old one is gone.
    const small = this.#olderHolds(slot);
    const sized = n === 0 && (this.#hint[slot] as number) >= 0 ? MIN_SLOT << (this.#hint[slot] as number) : Math.ceil(perSample * this.#expectSamples);
    const target = small ? need * 2 : sized;
    this.#arena.alloc(Math.max(need, target), next);
    const oldArr = this.#arr[slot] as Uint8Array;
    const oldOff = this.#off[slot] as number;
    next.arr.set(oldArr.subarray(oldOff, oldOff + used), next.off);
    // Release the old slot only after copying out of it.
    this.#release(slot);
    this.#cls[slot] = next.cls;
    // The hint is the class the buffer wants: a slot below it (the boundary case) grows rather than being spilled nearly full.
    if (small) this.#hint[slot] = ByteArena.classFor(sized);
    else if (next.cls >= 0) this.#hint[slot] = next.cls;
    this.#handle[slot] = next.handle;
    this.#arr[slot] = next.arr;
    this.#off[slot] = next.off;
    this.#cap[slot] = next.cap;
  }

  /** Whether another buffer of this slot's series, for an earlier window, still holds samples. */
  #olderHolds(slot: number): boolean {
    const id = this.#series[slot] as number;
    const hour = this.#hour[slot] as number;
    const holds = (other: number): boolean => other >= 0 && other !== slot && (this.#hour[other] as number) < hour && (this.#count[other] as number) > 0;
    return holds((this.#first[id] as number) - 1) || holds((this.#second[id] as number) - 1);
  }

  #release(slot: number): void {
    const s = this.#releasing;
    s.cls = this.#cls[slot] as number;
    s.handle = this.#handle[slot] as number;
    this.#arena.release(s);
    this.#cls[slot] = -1;
    this.#handle[slot] = -1;
    this.#arr[slot] = EMPTY;
    this.#off[slot] = 0;
    this.#cap[slot] = 0;
  }

  /** Slots of one series' buffers, in window order. */
  forSeries(seriesId: number): number[] {
    if (seriesId >= this.#first.length) return [];
    const out: number[] = [];
    const a = (this.#first[seriesId] as number) - 1;
    const b = (this.#second[seriesId] as number) - 1;
    if (a >= 0) out.push(a);
    if (b >= 0) out.push(b);
    const extra = this.#extra.get(seriesId);
    if (extra) out.push(...extra);
    return out.length > 1 ? out.sort((a, b) => (this.#hour[a] as number) - (this.#hour[b] as number)) : out;
  }

  /**
   * One pass over every open buffer for maintenance: the slots whose window
   * is due for sealing (past its end plus grace, before `summarizedBefore`,
   * or open longer than a window plus grace by the wall clock) and, of the
   * rest, those holding at least `spillAt` samples.
   */
  scan(now: number, graceMs: number, summarizedBefore: number, wall: number, spillAt: number): { due: number[]; spill: number[] } {
    const due: number[] = [];
    const spill: number[] = [];
    const hour = this.#hour;
    const count = this.#count;
    const len = this.#len;
    const cap = this.#cap;
    const cls = this.#cls;
    const hint = this.#hint;
    const opened = this.#openedSec;
    const staleSec = Math.floor((wall - EPOCH - CHUNK_WINDOW_MS - graceMs) / 1000);
    // A window that ended a minute ago is spilled at once rather than held through the grace period:
    // otherwise every series holds two windows' samples for the grace after each hour. Late samples
    // still join it (and are merged when it is sealed).
    const ended = now - Math.min(graceMs, ENDED_SETTLE_MS);
    for (let s = 0; s < this.#high; s++) {
      const h = hour[s] as number;
      if (h === FREE) continue;
      const start = h * CHUNK_WINDOW_MS;
      if (start + CHUNK_WINDOW_MS + graceMs <= now || start < summarizedBefore || (opened[s] as number) <= staleSec) due.push(s);
      else {
        const n = count[s] as number;
        if (n >= spillAt) spill.push(s);
        else if (n > 0) {
          // Nearly full, unless the slot is below the class it wants (it grows instead).
          const c = cls[s] as number;
          const full = (len[s] as number) + MAX_SAMPLE_BYTES > (cap[s] as number) && (c < 0 || c >= (hint[s] as number));
          if (full || start + CHUNK_WINDOW_MS <= ended) spill.push(s);
        }
      }
    }
    return { due, spill };
  }

  /** The first head_log row still needed (Infinity: none); everything before it can be deleted. */
  minHeadId(): number {
    let min = NO_HEAD;
    const heads = this.#minHead;
    const hour = this.#hour;
    for (let s = 0; s < this.#high; s++) if (hour[s] !== FREE && (heads[s] as number) < min) min = heads[s] as number;
    return min === NO_HEAD ? Number.POSITIVE_INFINITY : min;
  }

  /** Start of the oldest open window (Infinity: none). */
  oldestWindow(): number {
    let min = Number.POSITIVE_INFINITY;
    const hour = this.#hour;
    for (let s = 0; s < this.#high; s++) {
      const h = hour[s] as number;
      if (h !== FREE && h * CHUNK_WINDOW_MS < min) min = h * CHUNK_WINDOW_MS;
    }
    return min;
  }

  /** Empties a buffer whose samples went to a chunk row; it stays open for its window. */
  spilled(slot: number): void {
    this.#samples -= this.#count[slot] as number;
    this.#release(slot);
    this.#count[slot] = 0;
    this.#len[slot] = 0;
    this.#minHead[slot] = NO_HEAD;
  }

  remove(slot: number): void {
    if (this.#hour[slot] === FREE) return;
    this.spilled(slot);
    const id = this.#series[slot] as number;
    const extra = this.#extra.get(id);
    if (this.#first[id] === slot + 1) {
      this.#first[id] = this.#second[id] as number;
      const next = extra?.shift();
      this.#second[id] = next === undefined ? 0 : next + 1;
    } else if (this.#second[id] === slot + 1) {
      const next = extra?.shift();
      this.#second[id] = next === undefined ? 0 : next + 1;
    } else if (extra) {
      const i = extra.indexOf(slot);
      if (i >= 0) extra.splice(i, 1);
    }
    if (extra && extra.length === 0) this.#extra.delete(id);
    this.#hour[slot] = FREE;
    this.#free.push(slot);
    this.#size--;
  }

  clear(): void {
    for (let s = 0; s < this.#high; s++) if (this.#hour[s] !== FREE) this.remove(s);
    this.#first.fill(0);
    this.#second.fill(0);
    this.#extra.clear();
    this.#samples = 0;
  }

  get size(): number {
    return this.#size;
  }

  get samples(): number {
    return this.#samples;
  }

  /** Memory the buffers' bytes occupy (arena slabs, in use or free). */
  get reservedBytes(): number {
    return this.#arena.reservedBytes;
  }
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

/** NaNs carry payload bits; "same value" must mean the same bits or the codec would not be lossless. */
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
