type Column = Int32Array | Float64Array | Float32Array | Int8Array | Uint8Array;

/**
 * A typed-array column grown to `n` rows: the old rows copied, the new ones
 * set to `fill`. The in-memory tables (open buffers, series index, latest
 * values) keep per-row state in such columns instead of an object per row.
 */
export function grownColumn<T extends Column>(a: T, n: number, fill = 0): T {
  const b = resizedColumn(a, n);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** A column of `n` rows holding the first rows of `a` (more rows, new ones 0; fewer: a packed table gives the rest back). */
export function resizedColumn<T extends Column>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.length > n ? a.subarray(0, n) : a);
  return b;
}

/**
 * Rows to grow a table to when it needs `need`: a quarter more than now. The
 * tables hold hundreds of thousands of rows and keep their high-water mark,
 * so the slack beyond it costs for good (up to half the rows in use at 1.5×,
 * a quarter at 1.25×), while the copy happens a handful of times in a
 * process's life.
 */
export function grownCapacity(rows: number, need: number): number {
  return Math.max(need, Math.ceil(rows * 1.25), 1024);
}
