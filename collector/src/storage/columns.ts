type Column = Int32Array | Float64Array | Int8Array;

/**
 * A typed-array column grown to `n` rows: the old rows copied, the new ones
 * set to `fill`. The in-memory tables (open buffers, series index, latest
 * values) keep per-row state in such columns instead of an object per row.
 */
export function grownColumn<T extends Column>(a: T, n: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
