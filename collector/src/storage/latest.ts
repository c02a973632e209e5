import { labelsKey } from '@hallmonitor/shared';
import { intern, internLabels } from './intern.js';
import { seriesKey, type LatestSample, type StoredSample } from './sample-store.js';

/** One series' newest value; updated in place, so a steady stream of samples allocates nothing here. */
class LatestEntry implements LatestSample {
  readonly targetId: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  ts: number;
  value: number;

  constructor(targetId: string, s: StoredSample, key: string) {
    // Shared strings and label sets (intern.ts), not the copies in the message that created the series.
    this.targetId = intern(targetId);
    this.metric = intern(s.metric);
    this.labels = key === s.metric ? internLabels('{}') : internLabels(key.slice(s.metric.length + 1));
    this.ts = s.ts;
    this.value = s.value;
  }
}

/**
 * The newest value of every series, in memory, for the rule engine and the
 * fleet view. Rebuilt from storage at start-up; older samples never overwrite
 * newer ones (a backlog draining after an outage must not look like live data).
 * Grouped by target: a host page reads one small map, and at 300,000 series
 * the key of an entry is only its metric and labels.
 */
export class LatestValues {
  readonly #byTarget = new Map<string, Map<string, LatestEntry>>();
  #size = 0;

  static key(metric: string, labels: Readonly<Record<string, string>>): string {
    for (const _ in labels) return seriesKey(metric, labelsKey(labels));
    return metric;
  }

  /** Returns true when the sample became the latest for its series. */
  offer(targetId: string, s: StoredSample): boolean {
    let series = this.#byTarget.get(targetId);
    if (!series) {
      series = new Map();
      this.#byTarget.set(intern(targetId), series);
    }
    const k = s.key ?? LatestValues.key(s.metric, s.labels);
    const cur = series.get(k);
    if (!cur) {
      const shared = intern(k);
      series.set(shared, new LatestEntry(targetId, s, shared));
      this.#size++;
      return true;
    }
    if (cur.ts > s.ts) return false;
    cur.ts = s.ts;
    cur.value = s.value;
    return true;
  }

  forTarget(targetId: string): LatestSample[] {
    const series = this.#byTarget.get(targetId);
    return series ? [...series.values()] : [];
  }

  *all(): IterableIterator<LatestSample> {
    for (const series of this.#byTarget.values()) yield* series.values();
  }

  get size(): number {
    return this.#size;
  }
}
