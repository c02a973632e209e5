import type { Labels } from './protocol.js';

/**
 * A canonical text key for a label set: sorted names, so {a,b} and {b,a} name the
 * same series. Used as the series identity in storage and in alert fingerprints,
 * so the text must never change: it is exactly
 * `JSON.stringify(Object.fromEntries(sortedNames.map((n) => [n, labels[n]])))`.
 * It is built by hand because it runs for every sample ingested (the general
 * form allocates an entries array and an object per call); names that look like
 * array indexes (an object would reorder them) or values that are not strings take
 * the general form.
 */
export function labelsKey(labels: Readonly<Labels>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '{}';
  if (names.length > 1) names.sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    const c = n.charCodeAt(0);
    if ((c >= 48 && c <= 57) || typeof labels[n] !== 'string') return JSON.stringify(Object.fromEntries(names.map((k) => [k, labels[k]])));
    out += `${i === 0 ? '' : ','}${JSON.stringify(n)}:${JSON.stringify(labels[n])}`;
  }
  return `${out}}`;
}

/** True when every matcher's label equals the given value. */
export function labelsMatch(labels: Readonly<Labels>, matchers: Readonly<Record<string, string>> | undefined): boolean {
  if (!matchers) return true;
  for (const [name, want] of Object.entries(matchers)) {
    if (labels[name] !== want) return false;
  }
  return true;
}
