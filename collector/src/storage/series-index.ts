import type { Database, Statement } from 'better-sqlite3';
import { labelsKey, type Labels } from '@hallmonitor/shared';
import { CHUNK_WINDOW_MS } from './chunk-table.js';
import { intern, internLabels } from './intern.js';
import { seriesKey } from './sample-store.js';

/** One series: its identity, and the state the store keeps per series in memory. */
export class SeriesInfo {
  readonly id: number;
  readonly targetId: string;
  readonly metric: string;
  readonly labelsJson: string;
  readonly labels: Readonly<Labels>;
  /** Hours since the epoch rather than milliseconds: a small integer, not a boxed double per series. */
  #lastSealedHour = -1;

  constructor(id: number, targetId: string, metric: string, labelsJson: string, labels: Readonly<Labels>) {
    this.id = id;
    this.targetId = targetId;
    this.metric = metric;
    this.labelsJson = labelsJson;
    this.labels = labels;
  }

  /** Window of the newest sealed chunk (-1: none): older windows may need a merge when sealed again. */
  get lastSealedWindow(): number {
    return this.#lastSealedHour < 0 ? -1 : this.#lastSealedHour * CHUNK_WINDOW_MS;
  }

  set lastSealedWindow(windowStart: number) {
    this.#lastSealedHour = windowStart < 0 ? -1 : Math.floor(windowStart / CHUNK_WINDOW_MS);
  }
}

/**
 * Series identities (target, metric, labels) ↔ ids, all in memory. At 300,000
 * series this index is a large part of the collector's heap, so it is lean:
 * ids index an array, a target's series sit in one map keyed by metric (plus
 * labels when there are any), and strings and label sets are shared (intern.ts).
 */
export class SeriesIndex {
  readonly #db: Database;
  readonly #byTarget = new Map<string, Map<string, SeriesInfo>>();
  #byId: Array<SeriesInfo | undefined> = [];
  #size = 0;
  readonly #insert: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO series (target_id, metric, labels) VALUES (?, ?, ?)');
  }

  load(): void {
    this.#byTarget.clear();
    this.#byId = [];
    this.#size = 0;
    const rows = this.#db.prepare('SELECT id, target_id, metric, labels FROM series ORDER BY id').all() as Array<{ id: number; target_id: string; metric: string; labels: string }>;
    for (const r of rows) this.#add(r.id, r.target_id, r.metric, r.labels);
  }

  #add(id: number, targetId: string, metric: string, labelsJson: string): SeriesInfo {
    const tid = intern(targetId);
    const m = intern(metric);
    const lj = intern(labelsJson);
    const info = new SeriesInfo(id, tid, m, lj, internLabels(lj));
    let series = this.#byTarget.get(tid);
    if (!series) {
      series = new Map();
      this.#byTarget.set(tid, series);
    }
    series.set(intern(seriesKey(m, lj)), info);
    this.#byId[id] = info;
    this.#size++;
    return info;
  }

  /** The series for these names, created (inside the caller's transaction) if new. */
  resolve(targetId: string, metric: string, labels: Readonly<Labels>, key?: string): SeriesInfo {
    const series = this.#byTarget.get(targetId);
    if (series !== undefined && key !== undefined) {
      const found = series.get(key);
      if (found) return found;
    }
    const lj = labelsKey(labels);
    const found = series?.get(seriesKey(metric, lj));
    if (found) return found;
    const id = Number(this.#insert.run(targetId, metric, lj).lastInsertRowid);
    return this.#add(id, targetId, metric, lj);
  }

  byId(id: number): SeriesInfo | undefined {
    return this.#byId[id];
  }

  /** The series of one metric of one target, ordered by labels. */
  forMetric(targetId: string, metric: string): SeriesInfo[] {
    const out: SeriesInfo[] = [];
    for (const info of this.#byTarget.get(targetId)?.values() ?? []) if (info.metric === metric) out.push(info);
    return out.sort((a, b) => (a.labelsJson < b.labelsJson ? -1 : a.labelsJson > b.labelsJson ? 1 : 0));
  }

  *all(): IterableIterator<SeriesInfo> {
    for (const info of this.#byId) if (info) yield info;
  }

  get size(): number {
    return this.#size;
  }
}
