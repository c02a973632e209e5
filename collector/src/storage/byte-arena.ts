/**
 * A slab allocator for the open buffers' bytes. Hundreds of thousands of
 * buffers of a few hundred bytes each would cost ~250 bytes of V8 and
 * ArrayBuffer bookkeeping apiece as separate Uint8Arrays (and as many objects
 * for the GC to trace); here they are slots in 1 MiB slabs, one size class per
 * power of two from 32 bytes to 4 KiB, with a free list per class. Slabs are
 * kept once allocated: the store's memory stays at its high-water mark.
 */
export const MIN_SLOT = 32;
export const MAX_SLOT = 4096;
const SLAB_BYTES = 1 << 20;
const CLASSES = Math.log2(MAX_SLOT / MIN_SLOT) + 1;

/** Where a slot lives; `cls` is -1 for a buffer too big for any class (its own array). */
export interface Slot {
  cls: number;
  handle: number;
  arr: Uint8Array;
  off: number;
  cap: number;
}

export class ByteArena {
  readonly #slabs: Uint8Array[][] = Array.from({ length: CLASSES }, () => []);
  readonly #free: number[][] = Array.from({ length: CLASSES }, () => []);
  /** Next never-used slot per class (slots are handed out slab by slab). */
  readonly #fresh: number[] = new Array<number>(CLASSES).fill(0);

  /** The smallest class holding `bytes`, or -1 above MAX_SLOT. */
  static classFor(bytes: number): number {
    if (bytes > MAX_SLOT) return -1;
    let c = 0;
    for (let size = MIN_SLOT; size < bytes; size *= 2) c++;
    return c;
  }

  /** Points `slot` at fresh memory of at least `bytes` (contents undefined). */
  alloc(bytes: number, slot: Slot): void {
    const cls = ByteArena.classFor(bytes);
    if (cls < 0) {
      slot.cls = -1;
      slot.handle = -1;
      slot.arr = new Uint8Array(bytes);
      slot.off = 0;
      slot.cap = bytes;
      return;
    }
    const size = MIN_SLOT << cls;
    const perSlab = SLAB_BYTES / size;
    const free = this.#free[cls] as number[];
    let h: number;
    if (free.length > 0) h = free.pop() as number;
    else {
      h = (this.#fresh[cls] as number)++;
      const slabs = this.#slabs[cls] as Uint8Array[];
      if (Math.floor(h / perSlab) >= slabs.length) slabs.push(new Uint8Array(SLAB_BYTES));
    }
    slot.cls = cls;
    slot.handle = h;
    slot.arr = (this.#slabs[cls] as Uint8Array[])[Math.floor(h / perSlab)] as Uint8Array;
    slot.off = (h % perSlab) * size;
    slot.cap = size;
  }

  release(slot: Slot): void {
    if (slot.cls >= 0) {
      (this.#free[slot.cls] as number[]).push(slot.handle);
    }
    slot.cls = -1;
    slot.handle = -1;
    slot.arr = EMPTY;
    slot.off = 0;
    slot.cap = 0;
  }

  /** Bytes of slabs held (in use or free), for stats. */
  get reservedBytes(): number {
    let n = 0;
    for (const s of this.#slabs) n += s.length * SLAB_BYTES;
    return n;
  }
}

export const EMPTY = new Uint8Array(0);
