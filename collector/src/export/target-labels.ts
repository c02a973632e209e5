import type { Target } from '../targets/targets.js';

/**
 * The labels every exported series carries to say where it comes from. The
 * target's name is `instance` (what Prometheus users group by and what
 * dashboards show); the stable id is `target_id` (a renamed PC keeps it). A
 * scrape job needs `honor_labels: true` to keep this `instance` rather than the
 * collector's address (docs/district.md).
 */
export const FIXED_TARGET_LABELS = ['instance', 'target_id', 'site', 'building', 'room', 'kind'] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type LabelPairs = ReadonlyArray<readonly [string, string]>;

/**
 * Target labels as sorted pairs: the fixed set (empty ones left out, as
 * Prometheus treats an empty label as absent) plus the target's own labels
 * (enrollment's --label role=lab) where they do not clash.
 */
export function targetLabelPairs(t: Target): LabelPairs {
  const out = new Map<string, string>();
  const fixed: Record<(typeof FIXED_TARGET_LABELS)[number], string | null> = { instance: t.name, target_id: t.id, site: t.site, building: t.building, room: t.room, kind: t.kind };
  for (const [k, v] of Object.entries(fixed)) if (v) out.set(k, v);
  for (const [k, v] of Object.entries(t.labels)) if (v && !out.has(k) && LABEL_NAME.test(k) && !k.startsWith('__')) out.set(k, v);
  return [...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * A sample label that clashes with a target label (or is reserved) is kept as
 * `exported_<name>`, the same convention Prometheus uses for clashing scrape labels.
 */
export function sampleLabelName(name: string, taken: ReadonlySet<string>): string {
  return taken.has(name) || name.startsWith('__') ? `exported_${name}` : name;
}

/**
 * Merges target labels, the metric name (remote write carries it as
 * `__name__`), sample labels and extra labels into one list sorted by name, as
 * the remote-write spec requires.
 */
export function mergeLabels(target: LabelPairs, metric: string | undefined, sample: Readonly<Record<string, string>>, extra: LabelPairs = []): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const taken = new Set<string>();
  for (const [k, v] of target) {
    out.push([k, v]);
    taken.add(k);
  }
  // External labels identify the sender; they lose to the series' own labels, as in Prometheus.
  for (const [k, v] of extra) {
    if (!taken.has(k)) {
      out.push([k, v]);
      taken.add(k);
    }
  }
  for (const k in sample) {
    const v = sample[k] as string;
    if (v !== '') out.push([sampleLabelName(k, taken), v]);
  }
  if (metric !== undefined) out.push(['__name__', metric]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
