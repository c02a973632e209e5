import type { Labels } from '@hallmonitor/shared';
import { labelsKey } from '@hallmonitor/shared';
import { grownCapacity, grownColumn } from './columns.js';
import { intern, internLabels } from './intern.js';
import { seriesKey, type LatestSample, type StoredSample } from './sample-store.js';

/** What names a stored series: storage knows it by id. */
export interface SeriesName {
  readonly targetId: string;
  readonly metric: string;
  readonly labels: Readonly<Labels>;
}

/** A series that is not stored (the collector's synthetic samples); updated in place. */
class LatestEntry implements LatestSample {
  readonly targetId: string;
  readonly metric: string;
  readonly labels: Readonly<Labels>;
  readonly key: string;
  ts: number;
  value: number;

  constructor(targetId: string, s: StoredSample, key: string) {
    this.key = key;
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
 *
 * Stored series are kept by their storage id in two number columns (16 bytes
 * a series; storage names them), so ingest updates them without building a
 * key or allocating, and 300,000 series cost ~5 MB instead of ~40 MB of
 * objects and map entries. Samples without an id (synthetic ones such as the
 * up/down of a target) are kept by key.
 */
export class LatestValues {
  readonly #name: (seriesId: number) => SeriesName | undefined;
  readonly #has: (seriesId: number) => boolean;
  #ts = new Float64Array(0);
  #value = new Float64Array(0);
  readonly #idsByTarget = new Map<string, number[]>();
  /**
   * Synthetic series by target: a target has one or two (its up/down), so a
   * short array searched by key, not a Map each (a Map's table is ~800 bytes:
   * 4 MB at 5,000 targets).
   */
  readonly #byKey = new Map<string, LatestEntry[]>();
  #size = 0;

  /**
   * `name` resolves a stored series id (ChunkedSampleStore.seriesById); without it every sample is kept by key.
   * `has` tells whether an id is stored (ChunkedSampleStore.hasSeries): offer() asks it per sample, so it
   * should allocate nothing, which a `name` building an object per call does.
   */
  constructor(name: (seriesId: number) => SeriesName | undefined = () => undefined, has: (seriesId: number) => boolean = (id) => name(id) !== undefined) {
    this.#name = name;
    this.#has = has;
  }

  static key(metric: string, labels: Readonly<Record<string, string>>): string {
    for (const _ in labels) return seriesKey(metric, labelsKey(labels));
    return metric;
  }

  /** Returns true when the sample became the latest for its series. `seriesId` is its storage id, if stored. */
  offer(targetId: string, s: StoredSample, seriesId = -1): boolean {
    if (seriesId < 0 || !this.#has(seriesId)) return this.#offerByKey(targetId, s);
    return this.offerStored(targetId, seriesId, s.ts, s.value);
  }

  /** `offer` for a sample of a stored series, without a sample object (protocol-3 columns). */
  offerStored(targetId: string, seriesId: number, ts: number, value: number): boolean {
    if (seriesId >= this.#ts.length) this.#grow(seriesId);
    const cur = this.#ts[seriesId] as number;
    if (cur !== cur) {
      // NaN: first sample of this series.
      let ids = this.#idsByTarget.get(targetId);
      if (!ids) this.#idsByTarget.set(intern(targetId), (ids = []));
      ids.push(seriesId);
      this.#size++;
    } else if (cur > ts) return false;
    this.#ts[seriesId] = ts;
    this.#value[seriesId] = value;
    return true;
  }

  #offerByKey(targetId: string, s: StoredSample): boolean {
    let series = this.#byKey.get(targetId);
    if (!series) {
      series = [];
      this.#byKey.set(intern(targetId), series);
    }
    const k = s.key ?? LatestValues.key(s.metric, s.labels);
    const cur = series.find((e) => e.key === k);
    if (!cur) {
      series.push(new LatestEntry(targetId, s, intern(k)));
      this.#size++;
      return true;
    }
    if (cur.ts > s.ts) return false;
    cur.ts = s.ts;
    cur.value = s.value;
    return true;
  }

  #grow(id: number): void {
    const n = grownCapacity(this.#ts.length, id + 1);
    this.#ts = grownColumn(this.#ts, n, Number.NaN);
    this.#value = grownColumn(this.#value, n);
  }

  #stored(targetId: string, id: number): LatestSample | undefined {
    const name = this.#name(id);
    if (!name) return undefined;
    return { targetId, metric: name.metric, labels: name.labels, ts: this.#ts[id] as number, value: this.#value[id] as number, seriesId: id };
  }

  forTarget(targetId: string): LatestSample[] {
    const out: LatestSample[] = [];
    for (const id of this.#idsByTarget.get(targetId) ?? []) {
      const s = this.#stored(targetId, id);
      if (s) out.push(s);
    }
    for (const e of this.#byKey.get(targetId) ?? []) out.push(e);
    return out;
  }

  *all(): IterableIterator<LatestSample> {
    for (const [targetId, ids] of this.#idsByTarget) {
      for (const id of ids) {
        const s = this.#stored(targetId, id);
        if (s) yield s;
      }
    }
    for (const series of this.#byKey.values()) yield* series;
  }

  get size(): number {
    return this.#size;
  }
}
