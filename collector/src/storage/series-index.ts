import type { Database, Statement } from 'better-sqlite3';
import { labelsKey, type Labels } from '@hallmonitor/shared';

export interface SeriesInfo {
  readonly id: number;
  readonly targetId: string;
  readonly metric: string;
  readonly labelsJson: string;
  readonly labels: Readonly<Labels>;
  /** Newest sample (sealed or in the head); latestTs is -1 when the series has none. */
  latestTs: number;
  latestValue: number;
  /** Window of the newest sealed chunk: older windows may need a merge when sealed again. */
  lastSealedWindow: number;
}

/** Series identities (target, metric, labels) ↔ ids, all in memory; the table is small next to the samples. */
export class SeriesIndex {
  readonly #db: Database;
  readonly #byKey = new Map<string, SeriesInfo>();
  readonly #byId = new Map<number, SeriesInfo>();
  readonly #byMetric = new Map<string, SeriesInfo[]>();
  readonly #insert: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO series (target_id, metric, labels) VALUES (?, ?, ?)');
  }

  load(): void {
    this.#byKey.clear();
    this.#byId.clear();
    this.#byMetric.clear();
    const rows = this.#db.prepare('SELECT id, target_id, metric, labels FROM series ORDER BY id').all() as Array<{ id: number; target_id: string; metric: string; labels: string }>;
    for (const r of rows) this.#add(r.id, r.target_id, r.metric, r.labels);
  }

  #add(id: number, targetId: string, metric: string, labelsJson: string): SeriesInfo {
    const info: SeriesInfo = { id, targetId, metric, labelsJson, labels: Object.freeze(JSON.parse(labelsJson) as Labels), latestTs: -1, latestValue: Number.NaN, lastSealedWindow: -1 };
    this.#byKey.set(`${targetId}\u0000${metric}\u0000${labelsJson}`, info);
    this.#byId.set(id, info);
    const mk = `${targetId}\u0000${metric}`;
    const list = this.#byMetric.get(mk);
    if (list) {
      list.push(info);
      list.sort((a, b) => (a.labelsJson < b.labelsJson ? -1 : a.labelsJson > b.labelsJson ? 1 : 0));
    } else {
      this.#byMetric.set(mk, [info]);
    }
    return info;
  }

  /** The series for these names, created (inside the caller's transaction) if new. */
  resolve(targetId: string, metric: string, labels: Readonly<Labels>): SeriesInfo {
    const lj = labelsKey(labels);
    const found = this.#byKey.get(`${targetId}\u0000${metric}\u0000${lj}`);
    if (found) return found;
    const id = Number(this.#insert.run(targetId, metric, lj).lastInsertRowid);
    return this.#add(id, targetId, metric, lj);
  }

  byId(id: number): SeriesInfo | undefined {
    return this.#byId.get(id);
  }

  forMetric(targetId: string, metric: string): readonly SeriesInfo[] {
    return this.#byMetric.get(`${targetId}\u0000${metric}`) ?? [];
  }

  all(): IterableIterator<SeriesInfo> {
    return this.#byId.values();
  }

  /** Series ids in ascending order, for resumable batch work. */
  ids(): number[] {
    return [...this.#byId.keys()].sort((a, b) => a - b);
  }

  get size(): number {
    return this.#byId.size;
  }
}
