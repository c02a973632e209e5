import type { Labels } from '@hallmonitor/shared';

/**
 * One shared copy of the strings and label sets that repeat across series.
 * A series key such as `disk_used_percent\0{"mount":"/"}` is the same text on
 * every host, and metric names and label sets are a few thousand distinct
 * values among hundreds of thousands of series; without this every series kept
 * its own copies, parsed out of the message that created it (~50 MB at
 * 300,000 series). Entries are never dropped: the pool holds distinct texts,
 * which grow with the kinds of series, not with their number.
 */
const strings = new Map<string, string>();
const labelSets = new Map<string, Readonly<Labels>>();
const NO_LABELS: Readonly<Labels> = Object.freeze({});

/** The shared, flat copy of a string. */
export function intern(s: string): string {
  const found = strings.get(s);
  if (found !== undefined) return found;
  // A flat copy: a concatenated string is a rope, and once a Map hashes it, V8 keeps its flat text as well.
  const flat = Buffer.from(s, 'utf8').toString('utf8');
  strings.set(flat, flat);
  return flat;
}

/** The shared, frozen label set for a canonical labels key (`labelsKey()`). */
export function internLabels(labelsJson: string): Readonly<Labels> {
  if (labelsJson === '{}') return NO_LABELS;
  let labels = labelSets.get(labelsJson);
  if (labels === undefined) {
    labels = Object.freeze(JSON.parse(labelsJson) as Labels);
    labelSets.set(intern(labelsJson), labels);
  }
  return labels;
}
