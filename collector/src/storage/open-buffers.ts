import { CHUNK_WINDOW_MS } from './chunk-table.js';
import { grownCapacity, grownColumn, resizedColumn } from './columns.js';
import { GenerationMarks } from './generation-marks.js';
import { OpenBufferBytes } from './open-buffer-bytes.js';
import { decodeSamples, encodeSample, MAX_SAMPLE_BYTES } from './open-buffer-codec.js';

const SCRATCH = new Uint8Array(MAX_SAMPLE_BYTES);
/** "No head_log row" in the min-head column. */
export const NO_HEAD = 2 ** 31 - 1;
/** "No head_log row" in the max-head column. */
const NO_MAX_HEAD = -1;
/** Largest head_log id the int32 head columns hold, as an offset from the base (see #rebase). */
const HEAD_SPAN = NO_HEAD - 1;
/** openedAt is kept in whole seconds since this process started, in an int32 column (68 years). */
const EPOCH = Date.now();
const FREE = -1;
const NONE = -1;
/** How long after its end a window's buffers wait for stragglers (agents send every 15 s) before they are spilled. */
const ENDED_SETTLE_MS = 60_000;

/** Buffers opened (by the wall clock, seconds since EPOCH) at or before this have been open longer than a window and its grace. */
function staleBefore(wall: number, graceMs: number): number {
  return Math.floor((wall - EPOCH - CHUNK_WINDOW_MS - graceMs) / 1000);
}

/** A window is sealed once its grace has passed, when a rollup tier already summarizes its time, or when it has been open too long by the wall clock (a skewed agent's future window). */
function isDue(start: number, openedSec: number, now: number, graceMs: number, summarizedBefore: number, staleSec: number): boolean {
  return start + CHUNK_WINDOW_MS + graceMs <= now || start < summarizedBefore || openedSec <= staleSec;
}

/**
 * The in-memory side of the head: per series and chunk window, the samples
 * that are durable in the head log but not yet in a chunk. At 300,000 series
 * (twice as many buffers for the grace period after each hour) this is most
 * of the collector's memory, so it is a table, not objects: a buffer is a slot
 * number, its state a row across typed-array columns (54 bytes, nothing for
 * the GC to trace; OpenBufferBytes and GenerationMarks keep some of them),
 * and its samples sit compact — about 1.5–4 bytes each instead of 16 — in a
 * slot of the shared ByteArena, append-only, in the format open-buffer-codec.ts
 * describes. A sample older than the newest is rare (a skewed or replaying
 * agent): the buffer is decoded, the sample inserted in order and the buffer
 * re-encoded. The store spills a buffer that grows past a few dozen
 * samples into a chunk row, so memory per series stays bounded whatever the
 * window. Slots are stable while a buffer is open (freed slots are reused)
 * except across pack(), which renumbers them between calls.
 *
 * Every column's type is wide enough by construction. A buffer holds samples
 * of one 1-hour window at distinct integer milliseconds (its caller inserts
 * `t` inside the slot's window), so `count` ≤ 3,600,000, offsets and deltas
 * are below 3,600,000 and `len` ≤ 3,600,000 × MAX_SAMPLE_BYTES < 2^31. Hours
 * since the epoch of timestamps below 2^47 ms are < 2^26. head_log ids pass
 * 2^31 (~75 days at 5,000 agents), so they are kept as offsets from a base.
 */
export class OpenBuffers {
  /** The samples' bytes and the arena slots holding them: four more columns of the row. */
  readonly #bytes: OpenBufferBytes;
  #capacity = 0;
  /** Slots in use or freed: scans stop here. */
  #high = 0;
  #size = 0;
  #samples = 0;
  /** First free slot (NONE: none); a free slot's #lastDelta holds the next, so the list costs no memory. */
  #freeSlot = NONE;
  /** head_log ids are stored as `id − #headBase` in the int32 head columns. */
  #headBase = 0;
  /** After a rebase that could not fit an id, the next is tried from this id on (ids in between are clamped). */
  #rebaseFrom = 0;
  // Columns, one row per slot.
  #series = new Int32Array(0);
  /** Window start in hours since the epoch; FREE for a free slot. */
  #hour = new Int32Array(0);
  #openedSec = new Int32Array(0);
  #minHead = new Int32Array(0);
  #maxHead = new Int32Array(0);
  #count = new Int32Array(0);
  /** Newest timestamp this buffer already wrote to chunk rows of its window, as an offset into the window (-1: none). */
  #spilledOff = new Int32Array(0);
  #lastOff = new Int32Array(0);
  #lastDelta = new Int32Array(0);
  /** The codec's previous scaled value is derived from it (see open-buffer-codec.ts), so it needs no column. */
  #lastValue = new Float64Array(0);
  /** One bit per slot: marked by the current append generation. */
  readonly #marks = new GenerationMarks();
  /**
   * Series id → slot + 1 (0: none) of its buffers. Two columns, because every series has two open
   * windows for the grace period after each hour; a third or more (late or skewed data) go to #extra.
   */
  #first = new Int32Array(0);
  #second = new Int32Array(0);
  readonly #extra = new Map<number, number[]>();

  /** `expectSamples`: samples a buffer is expected to hold before it is spilled or sealed (sizes its slot). */
  constructor(expectSamples = 30) {
    this.#bytes = new OpenBufferBytes(expectSamples);
  }

  /** The slot of a series' buffer for a window, opened if new. */
  get(seriesId: number, windowStart: number, now: number): number {
    const hour = windowStart / CHUNK_WINDOW_MS;
    if (seriesId >= this.#first.length) {
      const n = grownCapacity(this.#first.length, seriesId + 1);
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
    this.#maxHead[slot] = NO_MAX_HEAD;
    this.#count[slot] = 0;
    this.#spilledOff[slot] = -1;
    this.#bytes.open(slot, a >= 0 ? a : b);
    this.#marks.unmark(slot);
    if (a < 0) this.#first[seriesId] = slot + 1;
    else if (b < 0) this.#second[seriesId] = slot + 1;
    else if (extra) extra.push(slot);
    else this.#extra.set(seriesId, [slot]);
    this.#size++;
    return slot;
  }

  #allocSlot(): number {
    const reused = this.#freeSlot;
    if (reused !== NONE) {
      this.#freeSlot = this.#lastDelta[reused] as number;
      return reused;
    }
    if (this.#high === this.#capacity) this.#resize(grownCapacity(this.#capacity, this.#high + 1));
    return this.#high++;
  }

  /** Grows the columns to `n` rows, or cuts them (pack). */
  #resize(n: number): void {
    this.#capacity = n;
    this.#series = resizedColumn(this.#series, n);
    this.#hour = resizedColumn(this.#hour, n);
    this.#openedSec = resizedColumn(this.#openedSec, n);
    this.#minHead = resizedColumn(this.#minHead, n);
    this.#maxHead = resizedColumn(this.#maxHead, n);
    this.#count = resizedColumn(this.#count, n);
    this.#spilledOff = resizedColumn(this.#spilledOff, n);
    this.#lastOff = resizedColumn(this.#lastOff, n);
    this.#lastDelta = resizedColumn(this.#lastDelta, n);
    this.#lastValue = resizedColumn(this.#lastValue, n);
    this.#bytes.resize(n);
    this.#marks.resize(n);
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
    return this.#bytes.len(slot);
  }

  lastTs(slot: number): number {
    return this.windowStart(slot) + (this.#lastOff[slot] as number);
  }

  lastValue(slot: number): number {
    return this.#lastValue[slot] as number;
  }

  /** Newest head_log row holding samples of this buffer since it opened (0: none). */
  maxHeadId(slot: number): number {
    const h = this.#maxHead[slot] as number;
    return h === NO_MAX_HEAD ? 0 : this.#headBase + h;
  }

  /** Records that head_log row `id` holds samples of this buffer. */
  noteHead(slot: number, id: number): void {
    let h = id - this.#headBase;
    if (h < 0 || h > HEAD_SPAN) h = h < 0 || id >= this.#rebaseFrom ? this.#rebase(id) : HEAD_SPAN;
    if (h < (this.#minHead[slot] as number)) this.#minHead[slot] = h;
    if (h > (this.#maxHead[slot] as number)) this.#maxHead[slot] = h;
  }

  /**
   * Moves the head columns' base to the oldest id an open buffer records (or
   * `id`), so that `id` fits; returns `id`'s offset. Open buffers live about a
   * window and its grace (the scan seals one opened longer ago by the wall
   * clock), a few million ids, so this runs once in ~2^31 ids. Were the span
   * wider, the newest ids would be recorded lower than they are: a min-head
   * only ever lowered keeps the log longer, never cuts it short; a lower
   * max-head makes a restart replay rows its chunk already holds, which are
   * merged as duplicates. (And the scan is tried again only a million ids
   * later, not on every append.)
   */
  #rebase(id: number): number {
    const base = this.#headBase;
    const min = this.#minHead;
    const max = this.#maxHead;
    let lo = id;
    for (let s = 0; s < this.#high; s++) {
      if (this.#hour[s] === FREE) continue;
      if (min[s] !== NO_HEAD) lo = Math.min(lo, base + (min[s] as number));
      if (max[s] !== NO_MAX_HEAD) lo = Math.min(lo, base + (max[s] as number));
    }
    const shift = lo - base;
    for (let s = 0; s < this.#high; s++) {
      if (this.#hour[s] === FREE) continue;
      if (min[s] !== NO_HEAD) min[s] = Math.min((min[s] as number) - shift, HEAD_SPAN);
      if (max[s] !== NO_MAX_HEAD) max[s] = Math.min((max[s] as number) - shift, HEAD_SPAN);
    }
    this.#headBase = lo;
    this.#rebaseFrom = id - lo > HEAD_SPAN ? id + 1_000_000 : 0;
    return Math.min(id - lo, HEAD_SPAN);
  }

  /** True the first time a slot is marked with `gen` (which buffers one append call touched; see GenerationMarks). */
  mark(slot: number, gen: number): boolean {
    return this.#marks.mark(slot, gen);
  }

  /** Newest timestamp already in chunk rows of this window from this buffer's spills (-Infinity: none). */
  spilledMaxTs(slot: number): number {
    const off = this.#spilledOff[slot] as number;
    return off < 0 ? Number.NEGATIVE_INFINITY : this.windowStart(slot) + off;
  }

  setSpilledMaxTs(slot: number, ts: number): void {
    this.#spilledOff[slot] = ts - this.windowStart(slot);
  }

  /** Inserts in time order (`t` inside the slot's window); an equal timestamp keeps the first value and returns false. */
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
    this.#bytes.clear(slot);
    this.#count[slot] = 0;
    const ws = this.windowStart(slot);
    for (let i = 0; i < ts.length; i++) this.#append(slot, (ts[i] as number) - ws, values[i] as number);
    this.#samples++;
    return true;
  }

  /** The samples in time order. */
  decode(slot: number): { ts: number[]; values: number[] } {
    const n = this.#count[slot] as number;
    if (n === 0) return { ts: [], values: [] };
    return decodeSamples(this.#bytes.array(slot), this.#bytes.offset(slot), n, this.windowStart(slot));
  }

  #append(slot: number, off: number, v: number): void {
    // Encoded into scratch first, so a slot grows only when the bytes of this sample do not fit.
    const a = SCRATCH;
    const n = this.#count[slot] as number;
    let t = off;
    if (n === 0) this.#lastDelta[slot] = 0;
    else {
      const delta = off - (this.#lastOff[slot] as number);
      t = delta - (this.#lastDelta[slot] as number);
      this.#lastDelta[slot] = delta;
    }
    const p = encodeSample(a, n === 0, t, v, this.#lastValue[slot] as number);
    this.#lastOff[slot] = off;
    this.#lastValue[slot] = v;
    const bytes = this.#bytes;
    if (!bytes.fits(slot, p)) bytes.grow(slot, bytes.len(slot) + p, n, this.#olderHolds(slot));
    bytes.append(slot, a, p);
    this.#count[slot] = n + 1;
  }

  /** Whether another buffer of this slot's series, for an earlier window, still holds samples. */
  #olderHolds(slot: number): boolean {
    const id = this.#series[slot] as number;
    const hour = this.#hour[slot] as number;
    const holds = (other: number): boolean => other >= 0 && other !== slot && (this.#hour[other] as number) < hour && (this.#count[other] as number) > 0;
    return holds((this.#first[id] as number) - 1) || holds((this.#second[id] as number) - 1);
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
   * rest, those holding at least `spillAt` samples or nearly filling their
   * slot. Also gives back arena slabs that a transition left unused.
   */
  scan(now: number, graceMs: number, summarizedBefore: number, wall: number, spillAt: number): { due: number[]; spill: number[] } {
    const due: number[] = [];
    const spill: number[] = [];
    const hour = this.#hour;
    const count = this.#count;
    const bytes = this.#bytes;
    const opened = this.#openedSec;
    const staleSec = staleBefore(wall, graceMs);
    // A window that ended a minute ago is spilled at once rather than held through the grace period:
    // otherwise every series holds two windows' samples for the grace after each hour. Late samples
    // still join it (and are merged when it is sealed).
    const ended = now - Math.min(graceMs, ENDED_SETTLE_MS);
    for (let s = 0; s < this.#high; s++) {
      const h = hour[s] as number;
      if (h === FREE) continue;
      const start = h * CHUNK_WINDOW_MS;
      if (isDue(start, opened[s] as number, now, graceMs, summarizedBefore, staleSec)) due.push(s);
      else {
        const n = count[s] as number;
        if (n >= spillAt) spill.push(s);
        else if (n > 0 && (bytes.nearlyFull(s) || start + CHUNK_WINDOW_MS <= ended)) spill.push(s);
      }
    }
    bytes.compact(this.#high);
    return { due, spill };
  }

  /** Whether a slot found due by an earlier scan still holds a buffer that is due (its slot may have been freed or reused since). */
  stillDue(slot: number, now: number, graceMs: number, summarizedBefore: number, wall: number): boolean {
    const h = this.#hour[slot];
    if (h === undefined || h === FREE) return false;
    return isDue(h * CHUNK_WINDOW_MS, this.#openedSec[slot] as number, now, graceMs, summarizedBefore, staleBefore(wall, graceMs));
  }

  /** The first head_log row still needed (Infinity: none); everything before it can be deleted. */
  minHeadId(): number {
    let min = NO_HEAD;
    const heads = this.#minHead;
    const hour = this.#hour;
    for (let s = 0; s < this.#high; s++) if (hour[s] !== FREE && (heads[s] as number) < min) min = heads[s] as number;
    return min === NO_HEAD ? Number.POSITIVE_INFINITY : this.#headBase + min;
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
    const n = this.#count[slot] as number;
    // What this spill's worth took sizes the next slot.
    this.#bytes.spilled(slot, n);
    this.#samples -= n;
    this.#count[slot] = 0;
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
    this.#lastDelta[slot] = this.#freeSlot;
    this.#freeSlot = slot;
    this.#size--;
  }

  /**
   * Moves the buffers of the table's upper rows into its free lower rows and cuts
   * the columns to fit, when fewer than 60% of the rows are in use. That is the
   * case after each hour's seal: at the boundary every series opened its new
   * window's buffer above the old ones (nothing was free yet), and the seal then
   * freed the old ones below, so the rows in use are the upper half and the free
   * lower half's ~54 bytes a row (16 MB at 300,000 series) stay resident for the
   * rest of the hour. Slot numbers change: the caller holds none across it.
   * Returns whether it packed.
   */
  pack(): boolean {
    const high = this.#high;
    const size = this.#size;
    if (high < 1024 || size >= high * 0.6) return false;
    const hour = this.#hour;
    let to = 0;
    // Rows in use at or above `size` number exactly the free rows below it.
    for (let from = size; from < high; from++) {
      if (hour[from] === FREE) continue;
      while (hour[to] !== FREE) to++;
      this.#move(from, to++);
    }
    this.#high = size;
    this.#freeSlot = NONE;
    const n = grownCapacity(size, size);
    if (n < this.#capacity) this.#resize(n);
    this.#marks.reset();
    return true;
  }

  /** Row `from` (in use) becomes row `to` (free, not on the free list any more): its columns, its bytes' handle and the series' reference to it. */
  #move(from: number, to: number): void {
    const id = this.#series[from] as number;
    this.#series[to] = id;
    this.#hour[to] = this.#hour[from] as number;
    this.#openedSec[to] = this.#openedSec[from] as number;
    this.#minHead[to] = this.#minHead[from] as number;
    this.#maxHead[to] = this.#maxHead[from] as number;
    this.#count[to] = this.#count[from] as number;
    this.#spilledOff[to] = this.#spilledOff[from] as number;
    this.#lastOff[to] = this.#lastOff[from] as number;
    this.#lastDelta[to] = this.#lastDelta[from] as number;
    this.#lastValue[to] = this.#lastValue[from] as number;
    this.#bytes.move(from, to);
    this.#hour[from] = FREE;
    if (this.#first[id] === from + 1) this.#first[id] = to + 1;
    else if (this.#second[id] === from + 1) this.#second[id] = to + 1;
    else {
      const extra = this.#extra.get(id) as number[];
      extra[extra.indexOf(from)] = to;
    }
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
    return this.#bytes.reservedBytes;
  }
}
