import type { Labels } from './protocol.js';

/**
 * A canonical text key for a label set: sorted names, so {a,b} and {b,a} name the
 * same series. Used as the series identity in storage and in alert fingerprints.
 */
export function labelsKey(labels: Readonly<Labels>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '{}';
  return JSON.stringify(Object.fromEntries(names.map((n) => [n, labels[n]])));
}

/** True when every matcher's label equals the given value. */
export function labelsMatch(labels: Readonly<Labels>, matchers: Readonly<Record<string, string>> | undefined): boolean {
  if (!matchers) return true;
  for (const [name, want] of Object.entries(matchers)) {
    if (labels[name] !== want) return false;
  }
  return true;
}
