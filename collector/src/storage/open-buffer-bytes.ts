import { ByteArena, OWN_ARRAY } from './byte-arena.js';
import { resizedColumn } from './columns.js';
import { headBytes, MAX_SAMPLE_BYTES } from './open-buffer-codec.js';

const NONE = -1;
/**
 * Bytes a sample of a host metric takes when a buffer has too few samples to tell (the codec
 * measured 2.4–3.1 on average on the fleet's metric sets: constants ~1.6, two-decimal percentages ~3,
 * byte gauges and rates 4–7). A spill's worth of it, rounded up to a power of two, bounds every
 * slot sized for a spill (128 B for 30 samples): a heavier buffer (raw doubles, byte counters) fills
 * its slot before `expectSamples` and is spilled nearly full rather than taking a slot 2–4 times the
 * size.
 */
const TYPICAL_SAMPLE_BYTES = 3.5;
/** Samples a buffer holds before its own bytes size its slots: its first two (which carry the window offset and a whole value) and one more. */
const MEASURED = 3;

/**
 * Where each open buffer's encoded samples live, and how big a place they
 * get: per slot of OpenBuffers' table, four more columns of its row — the
 * ByteArena slot (class and handle, from which the arena computes where the
 * bytes are), the bytes used, and the class the buffer's next arena slot
 * should have. The arena holds most of the open buffers' memory, so slots are
 * sized for what a buffer will hold at its spill, measured from its own
 * samples, rather than grown step by step; and the classes a transition left
 * mostly free are compacted (`compact`).
 *
 * A slot without bytes (not written yet, emptied, or free in the table) has
 * class and handle NONE; a buffer too big for any class has class OWN_ARRAY
 * (also below 0) and a handle naming its array.
 */
export class OpenBufferBytes {
  readonly #arena = new ByteArena();
  /** Samples a buffer is expected to hold before it is spilled or sealed: sizes its slot. */
  readonly #expectSamples: number;
  /** Largest slot a spill's worth gets (see TYPICAL_SAMPLE_BYTES). */
  readonly #spillCapBytes: number;
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

  constructor(expectSamples: number) {
    this.#expectSamples = expectSamples;
    let cap = ByteArena.classBytes(0);
    while (cap < TYPICAL_SAMPLE_BYTES * expectSamples) cap *= 2;
    this.#spillCapBytes = cap;
  }

  /** Grows the columns to `n` slots, or cuts them (OpenBuffers packed its table). */
  resize(n: number): void {
    this.#cls = resizedColumn(this.#cls, n);
    this.#handle = resizedColumn(this.#handle, n);
    this.#hint = resizedColumn(this.#hint, n);
    this.#len = resizedColumn(this.#len, n);
  }

  /** Row `from` becomes row `to` (a free one); the bytes stay where they are in the arena. */
  move(from: number, to: number): void {
    this.#cls[to] = this.#cls[from] as number;
    this.#handle[to] = this.#handle[from] as number;
    this.#hint[to] = this.#hint[from] as number;
    this.#len[to] = this.#len[from] as number;
    this.#cls[from] = NONE;
    this.#handle[from] = NONE;
  }

  /**
   * Starts a new buffer with no bytes, wanting the class that `previous` (another window of its
   * series; NONE: none) measured: the series' next window reuses the slots its current one frees.
   */
  open(slot: number, previous: number): void {
    this.#len[slot] = 0;
    this.#cls[slot] = NONE;
    this.#handle[slot] = NONE;
    this.#hint[slot] = previous >= 0 ? (this.#hint[previous] as number) : NONE;
  }

  /** Bytes the samples take. */
  len(slot: number): number {
    return this.#len[slot] as number;
  }

  /** The array the slot's bytes are in, from `offset(slot)`. */
  array(slot: number): Uint8Array {
    return this.#arena.array(this.#cls[slot] as number, this.#handle[slot] as number);
  }

  offset(slot: number): number {
    return this.#arena.offset(this.#cls[slot] as number, this.#handle[slot] as number);
  }

  /** Whether `n` more bytes fit in the slot's arena slot. */
  fits(slot: number, n: number): boolean {
    return (this.#len[slot] as number) + n <= this.#room(slot);
  }

  /** Appends the first `n` bytes of `src`; they must fit (see `fits` and `grow`). */
  append(slot: number, src: Uint8Array, n: number): void {
    const len = this.#len[slot] as number;
    const dst = this.array(slot);
    const at = this.offset(slot) + len;
    for (let i = 0; i < n; i++) dst[at + i] = src[i] as number;
    this.#len[slot] = len + n;
  }

  /**
   * Moves the bytes to an arena slot holding at least `need` bytes. `count`: samples the buffer
   * holds; `olderHolds`: an earlier window of its series still holds samples.
   */
  grow(slot: number, need: number, count: number, olderHolds: boolean): void {
    // One slot sized for what the buffer holds when it spills, not a walk through every size class:
    // buffers of a fleet fill in lockstep, and the slots of each class they passed through stayed
    // reserved in the arena (measured at 300,000 series: ~140 MB). A buffer that fills its slot before
    // `expectSamples` is spilled when nearly full (scan), so this grows again only between two
    // maintenance passes, or for values the codec stores raw (8 bytes each).
    const used = this.#len[slot] as number;
    const cls = this.#cls[slot] as number;
    const hint = this.#hint[slot] as number;
    // Right after an hour boundary the series' previous window still holds its samples until it is
    // spilled a minute later: a full-size slot for the new window now would hold the arena at two
    // windows' worth from then on (measured at 300,000 series: 37 → 74 MB). The new window starts in
    // the smallest slot and grows into the class it wants once the old one is gone. A buffer not
    // measured yet starts small too, and grows once into the class its first samples ask for: sized
    // by a guess, a whole fleet's first slots (after a restart) stayed reserved beside the right ones.
    const small = (count === 0 && hint === NONE) || olderHolds;
    const target = small ? need * 2 : hint !== NONE && cls < hint ? ByteArena.classBytes(hint) : this.#spillBytes(slot, count);
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

  /**
   * Whether a buffer holding samples is spilled rather than given more room: its slot has less than a
   * sample's worth left, unless the slot is below the class it wants or the buffer is not measured yet
   * (it grows instead).
   */
  nearlyFull(slot: number): boolean {
    const c = this.#cls[slot] as number;
    const wants = this.#hint[slot] as number;
    const room = c >= 0 ? ByteArena.classBytes(c) : this.#room(slot);
    return (this.#len[slot] as number) + MAX_SAMPLE_BYTES > room && (c < 0 || (wants !== NONE && c >= wants));
  }

  /** Gives the bytes back, to be written again from the start. */
  clear(slot: number): void {
    this.#release(slot);
    this.#len[slot] = 0;
  }

  /** Gives the bytes of a spilled buffer back; what its `count` samples took sizes its next slot. */
  spilled(slot: number, count: number): void {
    // A near-constant series needs half the bytes of a percentage.
    if (count >= MEASURED) this.#hint[slot] = ByteArena.classFor(this.#spillBytes(slot, count));
    this.clear(slot);
  }

  /** Bytes the slot's arena slot holds (0: none yet). */
  #room(slot: number): number {
    const h = this.#handle[slot] as number;
    return h === NONE ? 0 : this.#arena.bytes(this.#cls[slot] as number, h);
  }

  /**
   * Bytes a slot needs for a spill's worth of samples like the `n` this
   * buffer holds, plus room for one more of any size (so it is not nearly full
   * before), up to the cap. The first two samples are counted apart: they
   * carry the offset into the window and a whole value, and a young buffer's
   * average would otherwise overstate the rest several times over.
   */
  #spillBytes(slot: number, n: number): number {
    const expect = this.#expectSamples;
    let bytes: number;
    if (n < MEASURED) bytes = Math.ceil(TYPICAL_SAMPLE_BYTES * (expect - 1)) + MAX_SAMPLE_BYTES;
    else {
      const head = headBytes(this.array(slot), this.offset(slot));
      bytes = head + Math.ceil((((this.#len[slot] as number) - head) / (n - 2)) * Math.max(0, expect - 3)) + MAX_SAMPLE_BYTES;
    }
    return Math.min(bytes, this.#spillCapBytes);
  }

  #release(slot: number): void {
    const h = this.#handle[slot] as number;
    if (h !== NONE) this.#arena.release(this.#cls[slot] as number, h);
    this.#cls[slot] = NONE;
    this.#handle[slot] = NONE;
  }

  /**
   * Moves the slots of the size classes a transition left mostly free into
   * their lowest slabs, so that the arena can give the others back (two
   * passes over the first `slots` rows, a few milliseconds at 300,000
   * series, when the arena names a class). Slot numbers stay; only where
   * their bytes live changes.
   */
  compact(slots: number): void {
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
    // A slot free in the table has class NONE (OpenBuffers empties a buffer before freeing its slot): only live buffers' bytes move.
    const cls = this.#cls;
    const handle = this.#handle;
    for (let s = 0; s < slots; s++) {
      const c = cls[s] as number;
      const h = handle[s] as number;
      if (c >= 0 && ((mask >>> c) & 1) === 1 && h < (kept[c] as number)) (used[c] as Uint8Array)[h] = 1;
    }
    for (let s = 0; s < slots; s++) {
      const c = cls[s] as number;
      const h = handle[s] as number;
      if (c < 0 || ((mask >>> c) & 1) === 0 || h < (kept[c] as number)) continue;
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

  /** Memory the buffers' bytes occupy (arena slabs, in use or free). */
  get reservedBytes(): number {
    return this.#arena.reservedBytes;
  }
}
