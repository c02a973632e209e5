import { ByteArena, OWN_ARRAY } from './byte-arena.js';
import { CHUNK_WINDOW_MS } from './chunk-table.js';
import { grownCapacity, grownColumn } from './columns.js';

/**
 * Most bytes one encoded sample takes: a timestamp varint (≤ 4 bytes inside a window, ≤ 8 for any
 * storable offset) plus a tag and a raw double. A slot with less room left than this is nearly full.
 */
const MAX_SAMPLE_BYTES = 18;
const SCRATCH = new Uint8Array(MAX_SAMPLE_BYTES);
const POW2_48 = 2 ** 48;
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
/**
 * Bytes a sample of a host metric takes when a buffer has too few samples to tell (this codec
 * measured 2.4–3.1 on average on the fleet's metric sets: constants ~1.6, two-decimal percentages ~3,
 * byte gauges and rates 4–7). A spill's worth of it, rounded up to a power of two, bounds every
 * slot sized for a spill (128 B for 30 samples): a heavier buffer (raw doubles, byte counters) fills
 * its slot before `expectSamples` and is spilled nearly full rather than taking a slot 2–4 times the
 * size.
 */
const TYPICAL_SAMPLE_BYTES = 3.5;
/** Samples a buffer holds before its own bytes size its slots: its first two (which carry the window offset and a whole value) and one more. */
const MEASURED = 3;
/** How long after its end a window's buffers wait for stragglers (agents send every 15 s) before they are spilled. */
const ENDED_SETTLE_MS = 60_000;

/**
 * The in-memory side of the head: per series and chunk window, the samples
 * that are durable in the head log but not yet in a chunk. At 300,000 series
 * (twice as many buffers for the grace period after each hour) this is most
 * of the collector's memory, so it is a table, not objects: a buffer is a slot
 * number, its state a row across typed-array columns (54 bytes, nothing for
 * the GC to trace), and its samples sit compact — about 1.5–4 bytes each
 * instead of 16 — in a slot of the shared ByteArena, append-only:
 *
 *   timestamp  first: varint(ts − windowStart); then varint(zigzag(delta − previous delta) · 2 + same),
 *              where `same` (1) means the value has the same bits as the previous one and no value bytes follow
 *   value      varint(zigzag(v·100 − previous scaled) · 2 + 1) when v·100 is an exact integer
 *              0x00 + 8 bytes little-endian double otherwise (NaN, ±Inf, −0 and every other bit pattern)
 *
 * A repeated value costs no byte of its own: half the fleet's series are
 * near-constants. A sample older than the newest is rare (a skewed or
 * replaying agent): the buffer is decoded, the sample inserted in order and
 * the buffer re-encoded. The store spills a buffer that grows past a few dozen
 * samples into a chunk row, so memory per series stays bounded whatever the
 * window. Slots are stable while a buffer is open (freed slots are reused,
 * never moved).
 *
 * Every column's type is wide enough by construction. A buffer holds samples
 * of one 1-hour window at distinct integer milliseconds (its caller inserts
 * `t` inside the slot's window), so `count` ≤ 3,600,000, offsets and deltas
 * are below 3,600,000 and `len` ≤ 3,600,000 × MAX_SAMPLE_BYTES < 2^31. Hours
 * since the epoch of timestamps below 2^47 ms are < 2^26. head_log ids pass
 * 2^31 (~75 days at 5,000 agents), so they are kept as offsets from a base.
 */
export class OpenBuffers {
  readonly #arena = new ByteArena();
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
  /** The previous scaled value is derived from it (see scaledBase), so it needs no column. */
  #lastValue = new Float64Array(0);
  /** Where the samples are: arena class and handle (handle NONE: no slot yet). */
  #cls = new Int8Array(0);
  #handle = new Int32Array(0);
  /**
   * Size class the buffer's next slot should have, measured from its samples (at a spill, or when it
   * outgrew its first slot), inherited by the series' next window. NONE: not measured yet, so its
   * first slot is a small one it grows out of.
   */
  #hint = new Int8Array(0);
  #len = new Int32Array(0);
  /** One bit per slot: marked by the current append generation (#markGen); #marked lists them to clear the bits. */
  #marks = new Uint8Array(0);
  #markGen = 0;
  #marked = new Int32Array(256);
  #markedCount = 0;
  /** Samples a buffer is expected to hold before it is spilled or sealed: sizes its slot. */
  readonly #expectSamples: number;
  /** Largest slot a spill's worth gets (see TYPICAL_SAMPLE_BYTES). */
  readonly #spillCapBytes: number;
  /**
   * Series id → slot + 1 (0: none) of its buffers. Two columns, because every series has two open
   * windows for the grace period after each hour; a third or more (late or skewed data) go to #extra.
   */
  #first = new Int32Array(0);
  #second = new Int32Array(0);
  readonly #extra = new Map<number, number[]>();

  constructor(expectSamples = 30) {
    this.#expectSamples = expectSamples;
    let cap = ByteArena.classBytes(0);
    while (cap < TYPICAL_SAMPLE_BYTES * expectSamples) cap *= 2;
    this.#spillCapBytes = cap;
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
    this.#len[slot] = 0;
    this.#cls[slot] = NONE;
    this.#handle[slot] = NONE;
    // The series' next window wants the slot its current one measured: it reuses the slots that one frees.
    this.#hint[slot] = a >= 0 ? (this.#hint[a] as number) : b >= 0 ? (this.#hint[b] as number) : NONE;
    this.#marks[slot >> 3] = (this.#marks[slot >> 3] as number) & ~(1 << (slot & 7));
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

  #resize(n: number): void {
    this.#capacity = n;
    this.#series = grownColumn(this.#series, n);
    this.#hour = grownColumn(this.#hour, n);
    this.#openedSec = grownColumn(this.#openedSec, n);
    this.#minHead = grownColumn(this.#minHead, n);
    this.#maxHead = grownColumn(this.#maxHead, n);
    this.#count = grownColumn(this.#count, n);
    this.#spilledOff = grownColumn(this.#spilledOff, n);
    this.#lastOff = grownColumn(this.#lastOff, n);
    this.#lastDelta = grownColumn(this.#lastDelta, n);
    this.#lastValue = grownColumn(this.#lastValue, n);
    this.#cls = grownColumn(this.#cls, n);
    this.#handle = grownColumn(this.#handle, n);
    this.#hint = grownColumn(this.#hint, n);
    this.#len = grownColumn(this.#len, n);
    this.#marks = grownColumn(this.#marks, Math.ceil(n / 8));
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

  /**
   * True the first time a slot is marked with `gen` (which buffers one append
   * call touched). A caller takes a new `gen` per call: marks of every other
   * generation are forgotten, so one bit per slot suffices.
   */
  mark(slot: number, gen: number): boolean {
    const marks = this.#marks;
    if (gen !== this.#markGen) {
      for (let i = 0; i < this.#markedCount; i++) {
        const s = this.#marked[i] as number;
        marks[s >> 3] = (marks[s >> 3] as number) & ~(1 << (s & 7));
      }
      this.#markedCount = 0;
      this.#markGen = gen;
    }
    const bit = 1 << (slot & 7);
    if (((marks[slot >> 3] as number) & bit) !== 0) return false;
    marks[slot >> 3] = (marks[slot >> 3] as number) | bit;
    if (this.#markedCount === this.#marked.length) this.#marked = grownColumn(this.#marked, this.#markedCount * 2);
    this.#marked[this.#markedCount++] = slot;
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
    if (n === 0) return { ts, values };
    const cls = this.#cls[slot] as number;
    const h = this.#handle[slot] as number;
    const a = this.#arena.array(cls, h);
    let p = this.#arena.offset(cls, h);
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
      let same = false;
      if (i === 0) t += x;
      else {
        same = x % 2 === 1;
        const z = (x - (same ? 1 : 0)) / 2;
        delta += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        t += delta;
      }
      ts[i] = t;
      if (!same) {
        if (a[p] === 0) {
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
          const z = (y - 1) / 2;
          scaled += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
          v = scaled / 100;
        }
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
    const prev = this.#lastValue[slot] as number;
    const same = n > 0 && (v === prev ? v !== 0 || 1 / v === 1 / prev : v !== v && prev !== prev && sameNaN(v, prev));
    if (n === 0) {
      p = putVarint(a, p, off);
      this.#lastDelta[slot] = 0;
    } else {
      const delta = off - (this.#lastOff[slot] as number);
      const dod = delta - (this.#lastDelta[slot] as number);
      p = putVarint(a, p, (dod >= 0 ? dod * 2 : -dod * 2 - 1) * 2 + (same ? 1 : 0));
      this.#lastDelta[slot] = delta;
    }
    this.#lastOff[slot] = off;
    if (!same) {
      const r = scaledOf(v);
      if (r === r) {
        const d = r - (n > 0 ? scaledBase(prev) : 0);
        p = putVarint(a, p, (d >= 0 ? d * 2 : -d * 2 - 1) * 2 + 1);
      } else {
        a[p++] = 0;
        writeF64(a, p, v);
        p += 8;
      }
    }
    this.#lastValue[slot] = v;
    const len = this.#len[slot] as number;
    if (len + p > this.#room(slot)) this.#grow(slot, len, len + p);
    const cls = this.#cls[slot] as number;
    const h = this.#handle[slot] as number;
    const dst = this.#arena.array(cls, h);
    const at = this.#arena.offset(cls, h) + len;
    for (let i = 0; i < p; i++) dst[at + i] = a[i] as number;
    this.#len[slot] = len + p;
    this.#count[slot] = n + 1;
  }

  /** Bytes the slot's arena slot holds (0: none yet). */
  #room(slot: number): number {
    const h = this.#handle[slot] as number;
    return h === NONE ? 0 : this.#arena.bytes(this.#cls[slot] as number, h);
  }

  /**
   * Bytes a slot needs for a spill's worth of samples like the ones this
   * buffer holds, plus room for one more of any size (so it is not nearly full
   * before), up to the cap. The first two samples are counted apart: they
   * carry the offset into the window and a whole value, and a young buffer's
   * average would otherwise overstate the rest several times over.
   */
  #spillBytes(slot: number): number {
    const n = this.#count[slot] as number;
    const expect = this.#expectSamples;
    let bytes: number;
    if (n < MEASURED) bytes = Math.ceil(TYPICAL_SAMPLE_BYTES * (expect - 1)) + MAX_SAMPLE_BYTES;
    else {
      const head = this.#headBytes(slot);
      bytes = head + Math.ceil((((this.#len[slot] as number) - head) / (n - 2)) * Math.max(0, expect - 3)) + MAX_SAMPLE_BYTES;
    }
    return Math.min(bytes, this.#spillCapBytes);
  }

  /** Bytes the first two samples take. */
  #headBytes(slot: number): number {
    const cls = this.#cls[slot] as number;
    const h = this.#handle[slot] as number;
    const a = this.#arena.array(cls, h);
    const start = this.#arena.offset(cls, h);
    let p = start;
    for (let i = 0; i < 2; i++) {
      let same = false;
      for (let mul = 1, x = 0; ; mul *= 128) {
        const b = a[p++] as number;
        x += (b & 0x7f) * mul;
        if (b < 0x80) {
          same = i > 0 && x % 2 === 1;
          break;
        }
      }
      if (same) continue;
      if (a[p] === 0) p += 9;
      else while ((a[p++] as number) >= 0x80);
    }
    return p - start;
  }

  #grow(slot: number, used: number, need: number): void {
    // One slot sized for what the buffer holds when it spills, not a walk through every size class:
    // buffers of a fleet fill in lockstep, and the slots of each class they passed through stayed
    // reserved in the arena (measured at 300,000 series: ~140 MB). A buffer that fills its slot before
    // `expectSamples` is spilled when nearly full (scan), so this grows again only between two
    // maintenance passes, or for values the codec stores raw (8 bytes each).
    const n = this.#count[slot] as number;
    const cls = this.#cls[slot] as number;
    const hint = this.#hint[slot] as number;
    // Right after an hour boundary the series' previous window still holds its samples until it is
    // spilled a minute later: a full-size slot for the new window now would hold the arena at two
    // windows' worth from then on (measured at 300,000 series: 37 → 74 MB). The new window starts in
    // the smallest slot and grows into the class it wants once the old one is gone. A buffer not
    // measured yet starts small too, and grows once into the class its first samples ask for: sized
    // by a guess, a whole fleet's first slots (after a restart) stayed reserved beside the right ones.
    const small = (n === 0 && hint === NONE) || this.#olderHolds(slot);
    const target = small ? need * 2 : hint !== NONE && cls < hint ? ByteArena.classBytes(hint) : this.#spillBytes(slot);
    const bytes = Math.max(need, target);
    const next = ByteArena.classFor(bytes);
    const h = this.#arena.alloc(next, bytes);
    if (used > 0) {
      const from = this.#arena.array(cls, this.#handle[slot] as number);
      const at = this.#arena.offset(cls, this.#handle[slot] as number);
      this.#arena.array(next, h).set(from.subarray(at, at + used), this.#arena.offset(next, h));
    }
    // Release the old slot only after copying out of it.
    this.#release(slot);
    this.#cls[slot] = next;
    this.#handle[slot] = h;
    if (!small && next !== OWN_ARRAY) this.#hint[slot] = next;
  }

  /** Whether another buffer of this slot's series, for an earlier window, still holds samples. */
  #olderHolds(slot: number): boolean {
    const id = this.#series[slot] as number;
    const hour = this.#hour[slot] as number;
    const holds = (other: number): boolean => other >= 0 && other !== slot && (this.#hour[other] as number) < hour && (this.#count[other] as number) > 0;
    return holds((this.#first[id] as number) - 1) || holds((this.#second[id] as number) - 1);
  }

  #release(slot: number): void {
    const h = this.#handle[slot] as number;
    if (h !== NONE) this.#arena.release(this.#cls[slot] as number, h);
    this.#cls[slot] = NONE;
    this.#handle[slot] = NONE;
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
   * rest, those holding at least `spillAt` samples. Also gives back arena
   * slabs that a transition left unused (#compact).
   */
  scan(now: number, graceMs: number, summarizedBefore: number, wall: number, spillAt: number): { due: number[]; spill: number[] } {
    const due: number[] = [];
    const spill: number[] = [];
    const hour = this.#hour;
    const count = this.#count;
    const len = this.#len;
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
          // Nearly full, unless the slot is below the class it wants or the buffer is not measured yet (it grows instead).
          const c = cls[s] as number;
          const wants = hint[s] as number;
          const room = c >= 0 ? ByteArena.classBytes(c) : this.#room(s);
          const full = (len[s] as number) + MAX_SAMPLE_BYTES > room && (c < 0 || (wants !== NONE && c >= wants));
          if (full || start + CHUNK_WINDOW_MS <= ended) spill.push(s);
        }
      }
    }
    this.#compact();
    return { due, spill };
  }

  /**
   * Moves the slots of the size classes a transition left mostly free into
   * their lowest slabs, so that the arena can give the others back (two
   * passes over the table, a few milliseconds at 300,000 series, when the
   * arena names a class). Slot numbers stay; only where their bytes live
   * changes.
   */
  #compact(): void {
    const mask = this.#arena.sparseClasses();
    if (mask === 0) return;
    const kept: number[] = [];
    const used: Uint8Array[] = [];
    const next: number[] = [];
    let moves = false;
    for (let c = 0; mask >>> c !== 0; c++) {
      kept[c] = (mask >>> c) & 1 ? this.#arena.keptSlots(c) : 0;
      used[c] = new Uint8Array(kept[c] as number);
      next[c] = 0;
      if ((kept[c] as number) > 0) moves = true;
    }
    // Classes with no slot in use just drop their slabs.
    if (!moves) {
      for (let c = 0; mask >>> c !== 0; c++) if ((mask >>> c) & 1) this.#arena.compacted(c, 0, used[c] as Uint8Array);
      return;
    }
    const hour = this.#hour;
    const cls = this.#cls;
    const handle = this.#handle;
    for (let s = 0; s < this.#high; s++) {
      const c = cls[s] as number;
      const h = handle[s] as number;
      if (hour[s] !== FREE && c >= 0 && ((mask >>> c) & 1) === 1 && h < (kept[c] as number)) (used[c] as Uint8Array)[h] = 1;
    }
    for (let s = 0; s < this.#high; s++) {
      const c = cls[s] as number;
      const h = handle[s] as number;
      if (hour[s] === FREE || c < 0 || ((mask >>> c) & 1) === 0 || h < (kept[c] as number)) continue;
      const marks = used[c] as Uint8Array;
      let to = next[c] as number;
      while (marks[to] === 1) to++;
      const src = this.#arena.array(c, h);
      const from = this.#arena.offset(c, h);
      const dst = this.#arena.array(c, to);
      const at = this.#arena.offset(c, to);
      const n = this.#len[s] as number;
      for (let i = 0; i < n; i++) dst[at + i] = src[from + i] as number;
      handle[s] = to;
      marks[to] = 1;
      next[c] = to + 1;
    }
    for (let c = 0; mask >>> c !== 0; c++) if ((mask >>> c) & 1) this.#arena.compacted(c, kept[c] as number, used[c] as Uint8Array);
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
    // What this spill's worth took sizes the next slot: a near-constant series needs half the bytes of a percentage.
    if (n >= MEASURED) this.#hint[slot] = ByteArena.classFor(this.#spillBytes(slot));
    this.#samples -= n;
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
    this.#lastDelta[slot] = this.#freeSlot;
    this.#freeSlot = slot;
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

/** v·100 when it is an exact integer the codec stores as a scaled delta (|v·100| < 2^48, not −0), else NaN. */
function scaledOf(v: number): number {
  const r = Math.round(v * 100);
  return r / 100 === v && r < POW2_48 && r > -POW2_48 && !(v === 0 && 1 / v < 0) ? r : Number.NaN;
}

/**
 * The scaled value the next delta is taken from, given the previous value: its own scaled form, or 0
 * after a raw one. A repeated value keeps the bits of the one before, so this is what an encoder that
 * kept the last scaled value in a column would hold.
 */
function scaledBase(prev: number): number {
  const r = scaledOf(prev);
  return r === r ? r : 0;
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
