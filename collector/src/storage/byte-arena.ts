/**
 * A slab allocator for the open buffers' bytes. Hundreds of thousands of
 * buffers of a few hundred bytes each would cost ~250 bytes of V8 and
 * ArrayBuffer bookkeeping apiece as separate Uint8Arrays (and as many objects
 * for the GC to trace); here they are slots in slabs, one slab list and free
 * list per size class.
 *
 * A slot is named by two small integers, its class and its handle (its index
 * within the class): the slab and the offset are computed from them, so the
 * open buffers' table keeps no reference, offset or capacity per buffer. Free
 * slots are chained through their own first four bytes, so free lists cost
 * nothing either. Slabs are kept while in use; a class left mostly free by a
 * transition is compacted by its owner, which knows where every slot is (see
 * `sparseClasses`).
 */

/**
 * Slot sizes. 16-byte steps up to 128 B, where a spill's worth of samples falls
 * (30 samples of the fleet's metric set take ~45–130 bytes; a power-of-two
 * class wasted a quarter of a slot on average); ~1.5× steps above, where only
 * raw doubles and bursts land.
 */
const SIZES = [32, 48, 64, 80, 96, 112, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096] as const;
export const MIN_SLOT = SIZES[0];
export const MAX_SLOT = SIZES[SIZES.length - 1] as number;
/** Class of a buffer too big for any slot: it gets an array of its own, found by its handle. */
export const OWN_ARRAY = -1;
/**
 * 256 KiB less a malloc chunk header: slabs are mapped one by one (the
 * collector's MALLOC_MMAP_THRESHOLD_ is 16 KiB), and a header on top of a
 * whole 256 KiB would cost each slab a page more.
 */
const SLAB_BYTES = 256 * 1024 - 64;
const PER_SLAB = SIZES.map((size) => Math.floor(SLAB_BYTES / size));
const NONE = -1;

export class ByteArena {
  readonly #slabs: Uint8Array[][] = SIZES.map(() => []);
  /** Head of each class's free list (NONE: empty); a free slot's first 4 bytes hold the next handle + 1. */
  readonly #freeHead = new Int32Array(SIZES.length).fill(NONE);
  /** Next never-used handle per class (slots are handed out slab by slab). */
  readonly #fresh = new Int32Array(SIZES.length);
  readonly #live = new Int32Array(SIZES.length);
  readonly #own: Uint8Array[] = [];
  readonly #ownFree: number[] = [];

  /** The smallest class holding `bytes`, or OWN_ARRAY above MAX_SLOT. */
  static classFor(bytes: number): number {
    for (let c = 0; c < SIZES.length; c++) if ((SIZES[c] as number) >= bytes) return c;
    return OWN_ARRAY;
  }

  /** Bytes a slot of class `cls` (≥ 0) holds. */
  static classBytes(cls: number): number {
    return SIZES[cls] as number;
  }

  /** A free slot of class `cls`, or for OWN_ARRAY an array of `bytes`; the handle names it (contents undefined). */
  alloc(cls: number, bytes = 0): number {
    if (cls === OWN_ARRAY) {
      const h = this.#ownFree.pop() ?? this.#own.length;
      this.#own[h] = new Uint8Array(bytes);
      return h;
    }
    this.#live[cls] = (this.#live[cls] as number) + 1;
    const free = this.#freeHead[cls] as number;
    if (free !== NONE) {
      const a = this.array(cls, free);
      const p = this.offset(cls, free);
      this.#freeHead[cls] = ((a[p] as number) | ((a[p + 1] as number) << 8) | ((a[p + 2] as number) << 16) | ((a[p + 3] as number) << 24)) - 1;
      return free;
    }
    const h = (this.#fresh[cls] as number)++;
    const slabs = this.#slabs[cls] as Uint8Array[];
    if (Math.floor(h / (PER_SLAB[cls] as number)) >= slabs.length) slabs.push(new Uint8Array((PER_SLAB[cls] as number) * (SIZES[cls] as number)));
    return h;
  }

  release(cls: number, h: number): void {
    if (cls === OWN_ARRAY) {
      this.#own[h] = EMPTY;
      this.#ownFree.push(h);
      return;
    }
    this.#live[cls] = (this.#live[cls] as number) - 1;
    this.#pushFree(cls, h);
  }

  #pushFree(cls: number, h: number): void {
    const a = this.array(cls, h);
    const p = this.offset(cls, h);
    const next = (this.#freeHead[cls] as number) + 1;
    a[p] = next & 0xff;
    a[p + 1] = (next >>> 8) & 0xff;
    a[p + 2] = (next >>> 16) & 0xff;
    a[p + 3] = next >>> 24;
    this.#freeHead[cls] = h;
  }

  /**
   * The size classes (bit `cls` set) with at least two slabs' worth of free
   * slots, more than an eighth of their slots, or with slabs and no slot in
   * use: memory a transition left behind — the small slots every series takes
   * for a minute after an hour boundary, a whole fleet's first slots after a
   * restart, the slots of agents gone, the classes a burst grew through. The
   * owner moves each one's live slots below `keptSlots(cls)` and calls
   * `compacted`. A class in steady use has a few percent free (buffers between
   * a spill and their next sample) and is left alone.
   */
  sparseClasses(): number {
    let mask = 0;
    for (let c = 0; c < SIZES.length; c++) {
      const perSlab = PER_SLAB[c] as number;
      const slots = (this.#slabs[c] as Uint8Array[]).length * perSlab;
      const live = this.#live[c] as number;
      const free = slots - live;
      if ((free >= 2 * perSlab && free * 8 > slots) || (live === 0 && slots > 0)) mask |= 1 << c;
    }
    return mask;
  }

  /** Handles a compaction of `cls` keeps: whole slabs for its live slots and one to spare (none when it has none). */
  keptSlots(cls: number): number {
    const perSlab = PER_SLAB[cls] as number;
    const live = this.#live[cls] as number;
    return live === 0 ? 0 : (Math.ceil(live / perSlab) + 1) * perSlab;
  }

  /**
   * Ends a compaction of `cls`: every live slot now has a handle below `kept`,
   * and `used` marks them. The slabs above go; the free list becomes the
   * unmarked handles, lowest first.
   */
  compacted(cls: number, kept: number, used: Uint8Array): void {
    // `kept` is whole slabs, all allocated (the class had two slabs' worth free beyond its live slots, or none live).
    (this.#slabs[cls] as Uint8Array[]).length = kept / (PER_SLAB[cls] as number);
    this.#fresh[cls] = kept;
    this.#freeHead[cls] = NONE;
    for (let h = kept - 1; h >= 0; h--) if (used[h] !== 1) this.#pushFree(cls, h);
  }

  /** The array a slot lives in (a slab, or its own array). */
  array(cls: number, h: number): Uint8Array {
    if (cls === OWN_ARRAY) return this.#own[h] as Uint8Array;
    return (this.#slabs[cls] as Uint8Array[])[Math.floor(h / (PER_SLAB[cls] as number))] as Uint8Array;
  }

  /** Where in `array(cls, h)` the slot starts. */
  offset(cls: number, h: number): number {
    return cls === OWN_ARRAY ? 0 : (h % (PER_SLAB[cls] as number)) * (SIZES[cls] as number);
  }

  /** Bytes the slot holds. */
  bytes(cls: number, h: number): number {
    return cls === OWN_ARRAY ? (this.#own[h] as Uint8Array).length : (SIZES[cls] as number);
  }

  /** Bytes of slabs held (in use or free), for stats; arrays of their own are not counted. */
  get reservedBytes(): number {
    let n = 0;
    for (const slabs of this.#slabs) for (const s of slabs) n += s.length;
    return n;
  }
}

export const EMPTY = new Uint8Array(0);
