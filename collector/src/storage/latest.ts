import { labelsKey } from '@hallmonitor/shared';
import type { LatestSample } from './sample-store.js';

/**
 * The newest value of every series, in memory, for the rule engine and the
 * fleet view. Rebuilt from storage at start-up; older samples never overwrite
 * newer ones (a backlog draining after an outage must not look like live data).
 */
export class LatestValues {
  readonly #map = new Map<string, LatestSample>();

  static key(targetId: string, metric: string, labels: Readonly<Record<string, string>>): string {
    return `${targetId}\u0000${metric}\u0000${labelsKey(labels)}`;
  }

  /** Returns true when the sample became the latest for its series. */
  offer(s: LatestSample): boolean {
    const k = LatestValues.key(s.targetId, s.metric, s.labels);
    const cur = this.#map.get(k);
    if (cur && cur.ts > s.ts) return false;
    this.#map.set(k, s);
    return true;
  }

  forTarget(targetId: string): LatestSample[] {
    return [...this.#map.values()].filter((s) => s.targetId === targetId);
  }

  all(): IterableIterator<LatestSample> {
    return this.#map.values();
  }

  get size(): number {
    return this.#map.size;
  }
}
