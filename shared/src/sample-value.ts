/** Encodes a number for JSON: non-finite values become the strings the protocol allows. */
export function toWireValue(value: number): number | 'NaN' | '+Inf' | '-Inf' {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** Decodes a wire value back into a number. */
export function fromWireValue(value: number | 'NaN' | '+Inf' | '-Inf'): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === '+Inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
