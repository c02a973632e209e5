import { describe, expect, it } from 'vitest';
import { ByteArena, MAX_SLOT, MIN_SLOT, OWN_ARRAY } from '../../src/storage/byte-arena.js';
import { grownCapacity } from '../../src/storage/columns.js';

/** Fills a slot with a pattern of its handle, so overlapping slots would overwrite each other's. */
function paint(arena: ByteArena, cls: number, h: number): void {
  const a = arena.array(cls, h);
  const at = arena.offset(cls, h);
  for (let i = 0; i < arena.bytes(cls, h); i++) a[at + i] = (h * 31 + i) & 0xff;
}

/** Whether slot `h` holds the pattern painted into slot `as` (itself unless it was moved). */
function painted(arena: ByteArena, cls: number, h: number, as = h): boolean {
  const a = arena.array(cls, h);
  const at = arena.offset(cls, h);
  for (let i = 0; i < arena.bytes(cls, h); i++) if (a[at + i] !== ((as * 31 + i) & 0xff)) return false;
  return true;
}

describe('ByteArena', () => {
  it('picks the smallest class that holds the bytes, and an array of its own above the largest', () => {
    expect(ByteArena.classBytes(ByteArena.classFor(1))).toBe(MIN_SLOT);
    expect(ByteArena.classBytes(ByteArena.classFor(MIN_SLOT))).toBe(MIN_SLOT);
    expect(ByteArena.classBytes(ByteArena.classFor(MIN_SLOT + 1))).toBe(48);
    // 16-byte steps where a spill's worth of samples falls.
    expect(ByteArena.classBytes(ByteArena.classFor(65))).toBe(80);
    expect(ByteArena.classBytes(ByteArena.classFor(128))).toBe(128);
    expect(ByteArena.classBytes(ByteArena.classFor(129))).toBe(192);
    expect(ByteArena.classBytes(ByteArena.classFor(MAX_SLOT))).toBe(MAX_SLOT);
    expect(ByteArena.classFor(MAX_SLOT + 1)).toBe(OWN_ARRAY);
  });

  it('locates a slot from its class and handle alone: slots never overlap, across slabs and classes', () => {
    const arena = new ByteArena();
    const handles: Array<[number, number]> = [];
    const wrong: string[] = [];
    for (const size of [32, 80, 128, 4096]) {
      const cls = ByteArena.classFor(size);
      // Enough for three slabs of this class.
      const n = Math.ceil((3 * 256 * 1024) / size);
      for (let i = 0; i < n; i++) {
        const h = arena.alloc(cls);
        if (h !== i || arena.bytes(cls, h) !== size || arena.offset(cls, h) + size > arena.array(cls, h).length) wrong.push(`${size}/${h}`);
        handles.push([cls, h]);
        paint(arena, cls, h);
      }
    }
    for (const [cls, h] of handles) if (!painted(arena, cls, h)) wrong.push(`${cls}/${h} overwritten`);
    expect(wrong).toEqual([]);
  });

  it('reuses freed slots last in, first out, through a free list kept in the free slots themselves', () => {
    const arena = new ByteArena();
    const cls = ByteArena.classFor(96);
    for (let i = 0; i < 10; i++) paint(arena, cls, arena.alloc(cls));
    const reserved = arena.reservedBytes;
    for (const h of [2, 7, 4]) arena.release(cls, h);
    expect([arena.alloc(cls), arena.alloc(cls), arena.alloc(cls), arena.alloc(cls)]).toEqual([4, 7, 2, 10]);
    expect(arena.reservedBytes).toBe(reserved);
    // The slots never freed kept their bytes.
    for (const h of [0, 1, 3, 5, 6, 8, 9]) expect(painted(arena, cls, h)).toBe(true);
  });

  it('gives a buffer above the largest class an array of its own, not counted in the slabs', () => {
    const arena = new ByteArena();
    const h = arena.alloc(OWN_ARRAY, 10_000);
    expect(arena.bytes(OWN_ARRAY, h)).toBe(10_000);
    expect(arena.offset(OWN_ARRAY, h)).toBe(0);
    paint(arena, OWN_ARRAY, h);
    const other = arena.alloc(OWN_ARRAY, 5_000);
    expect(other).not.toBe(h);
    expect(painted(arena, OWN_ARRAY, h)).toBe(true);
    arena.release(OWN_ARRAY, h);
    expect(arena.alloc(OWN_ARRAY, 6_000)).toBe(h);
    expect(arena.bytes(OWN_ARRAY, h)).toBe(6_000);
    expect(arena.reservedBytes).toBe(0);
  });

  it('names a class left mostly free, and after its owner moved the live slots down, gives the slabs above back', () => {
    const arena = new ByteArena();
    const cls = ByteArena.classFor(32);
    const n = Math.ceil((5 * 256 * 1024) / 32);
    for (let i = 0; i < n; i++) arena.alloc(cls);
    const full = arena.reservedBytes;
    expect(arena.sparseClasses()).toBe(0);
    // A few percent free (buffers between a spill and their next sample): left alone.
    for (let h = 0; h < n / 25; h++) arena.release(cls, h);
    expect(arena.sparseClasses()).toBe(0);
    // Keep every tenth slot.
    const live = new Set<number>();
    for (let h = Math.ceil(n / 25); h < n; h++) {
      if (h % 10 === 0) live.add(h);
      else arena.release(cls, h);
    }
    for (const h of live) paint(arena, cls, h);
    expect(arena.sparseClasses()).toBe(1 << cls);
    const kept = arena.keptSlots(cls);
    expect(kept).toBeGreaterThanOrEqual(live.size);
    // The owner's part: move the slots at or above `kept` into free handles below it.
    const used = new Uint8Array(kept);
    for (const h of live) if (h < kept) used[h] = 1;
    const now = new Map<number, number>();
    let to = 0;
    for (const h of live) {
      if (h < kept) {
        now.set(h, h);
        continue;
      }
      while (used[to] === 1) to++;
      arena.array(cls, to).set(arena.array(cls, h).subarray(arena.offset(cls, h), arena.offset(cls, h) + 32), arena.offset(cls, to));
      used[to] = 1;
      now.set(h, to);
    }
    arena.compacted(cls, kept, used);
    // Whole slabs for the live slots and one to spare.
    expect(kept).toBeLessThan(live.size + 2 * 8190); // 8,190 32-byte slots a slab
    expect(arena.reservedBytes).toBe(kept * 32);
    expect(arena.reservedBytes).toBeLessThan(full / 2);
    expect(arena.sparseClasses()).toBe(0);
    // Whatever is allocated next is a handle nobody holds, and the live bytes stay put.
    const held = new Set(now.values());
    for (let i = 0; i < kept; i++) {
      const h = arena.alloc(cls);
      expect(held.has(h)).toBe(false);
      held.add(h);
      paint(arena, cls, h);
    }
    for (const [orig, h] of now) expect(painted(arena, cls, h, orig)).toBe(true);
  });
});

describe('grownCapacity', () => {
  it('grows a table by a quarter, at least to what is needed and to 1,024 rows', () => {
    expect(grownCapacity(0, 1)).toBe(1024);
    expect(grownCapacity(1024, 1025)).toBe(1280);
    expect(grownCapacity(400_000, 400_001)).toBe(500_000);
    expect(grownCapacity(1024, 50_000)).toBe(50_000);
  });
});
