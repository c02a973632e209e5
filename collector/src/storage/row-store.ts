import type { Database, Statement } from 'better-sqlite3';
import { labelsKey } from '@hallmonitor/shared';
import type { LatestSample, SampleStore, SeriesPoints, SeriesQuery, StoredSample } from './sample-store.js';

/**
 * Row-per-sample store: simple and correct, the foundation's baseline. Duplicate
 * (series, timestamp) pairs keep the first value (INSERT OR IGNORE), so a
 * replayed batch never doubles a point.
 */
export class RowSampleStore implements SampleStore {
  readonly #db: Database;
  readonly #seriesIds = new Map<string, number>();
  readonly #insertSeries: Statement;
  readonly #findSeries: Statement;
  readonly #insertSample: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#insertSeries = db.prepare('INSERT INTO series (target_id, metric, labels) VALUES (?, ?, ?)');
    this.#findSeries = db.prepare('SELECT id FROM series WHERE target_id = ? AND metric = ? AND labels = ?');
    this.#insertSample = db.prepare('INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?, ?, ?)');
  }

  #seriesId(targetId: string, metric: string, labels: string): number {
    const key = `${targetId}\u0000${metric}\u0000${labels}`;
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      const row = this.#findSeries.get(targetId, metric, labels) as { id: number } | undefined;
      id = row ? row.id : Number(this.#insertSeries.run(targetId, metric, labels).lastInsertRowid);
      this.#seriesIds.set(key, id);
    }
    return id;
  }

  append(targetId: string, samples: readonly StoredSample[]): number {
    let stored = 0;
    for (const s of samples) {
      const id = this.#seriesId(targetId, s.metric, labelsKey(s.labels));
      // SQLite stores NaN as NULL; ±Inf survive as REAL.
      stored += this.#insertSample.run(id, s.ts, Number.isNaN(s.value) ? null : s.value).changes;
    }
    return stored;
  }

  query(q: SeriesQuery): SeriesPoints[] {
    const series = this.#db.prepare('SELECT id, labels FROM series WHERE target_id = ? AND metric = ? ORDER BY labels').all(q.targetId, q.metric) as Array<{ id: number; labels: string }>;
    const raw = this.#db.prepare('SELECT ts, value FROM samples WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts');
    const bucketed = this.#db.prepare(
      'SELECT (ts / ?) * ? AS t, avg(value) AS value FROM samples WHERE series_id = ? AND ts >= ? AND ts <= ? GROUP BY ts / ? ORDER BY t',
    );
    return series.map((s) => {
      const rows = (q.stepMs
        ? bucketed.all(q.stepMs, q.stepMs, s.id, q.fromMs, q.toMs, q.stepMs)
        : raw.all(s.id, q.fromMs, q.toMs)) as Array<{ ts?: number; t?: number; value: number | null }>;
      return {
        metric: q.metric,
        labels: JSON.parse(s.labels) as Record<string, string>,
        points: rows.map((r) => [Number(r.ts ?? r.t), r.value === null ? Number.NaN : r.value] as [number, number]),
      };
    });
  }

  latestAll(): LatestSample[] {
    // Drive from series and seek each one's newest row: the naive max(ts) join scans everything.
    const rows = this.#db
      .prepare(
        `SELECT s.target_id AS targetId, s.metric AS metric, s.labels AS labels, x.ts AS ts, x.value AS value
         FROM series s CROSS JOIN samples x
         WHERE x.series_id = s.id AND x.ts = (SELECT max(ts) FROM samples WHERE series_id = s.id)`,
      )
      .all() as Array<{ targetId: string; metric: string; labels: string; ts: number; value: number | null }>;
    return rows.map((r) => ({ targetId: r.targetId, metric: r.metric, labels: JSON.parse(r.labels) as Record<string, string>, ts: r.ts, value: r.value ?? Number.NaN }));
  }
}
