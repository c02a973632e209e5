/** Merge space shared by every set: sessions run on one thread, and a merge never re-enters. */
let scratch = new Int32Array(64);

/**
 * A set of int32 values kept sorted in one Int32Array: ~5 bytes a value, where
 * a Set<number> costs ~20 (5,000 agents' series-cap sets were 6.3 MB). New
 * values go into a short sorted run after the main one, merged into it when
 * the run reaches ~√n values, so n inserts move ~n√n values rather than n²
 * even at the largest series cap.
 */
export class IntSet {
  #a = new Int32Array(0);
  /** [0, #main) is the main run, [#main, #len) the short one. */
  #main = 0;
  #len = 0;

  get size(): number {
    return this.#len;
  }

  has(v: number): boolean {
    return found(this.#a, 0, this.#main, v) || found(this.#a, this.#main, this.#len, v);
  }

  /** Adds `v` (an int32); false when it was there already. */
  add(v: number): boolean {
    if (this.has(v)) return false;
    if (this.#len - this.#main >= Math.max(16, Math.sqrt(this.#main))) this.#merge();
    if (this.#len === this.#a.length) {
      const a = new Int32Array(Math.max(16, Math.ceil(this.#len * 1.5)));
      a.set(this.#a);
      this.#a = a;
    }
    const a = this.#a;
    const i = lowerBound(a, this.#main, this.#len, v);
    a.copyWithin(i + 1, i, this.#len);
    a[i] = v;
    this.#len++;
    return true;
  }

  /** Merges the short run into the main one, from the back, with the short run copied aside. */
  #merge(): void {
    const a = this.#a;
    const n = this.#len - this.#main;
    if (scratch.length < n) scratch = new Int32Array(n);
    scratch.set(a.subarray(this.#main, this.#len));
    let i = this.#main - 1;
    let j = n - 1;
    for (let k = this.#len - 1; j >= 0; k--) {
      if (i >= 0 && (a[i] as number) > (scratch[j] as number)) a[k] = a[i--] as number;
      else a[k] = scratch[j--] as number;
    }
    this.#main = this.#len;
  }
}

/** The first index in a[lo, hi) whose value is ≥ v. */
function lowerBound(a: Int32Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function found(a: Int32Array, lo: number, hi: number, v: number): boolean {
  const i = lowerBound(a, lo, hi, v);
  return i < hi && a[i] === v;
}
