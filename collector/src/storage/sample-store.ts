import type { Labels } from '@hallmonitor/shared';
import type { MaintenanceOptions, MaintenanceResult, StorageStats } from './chunked-store.js';

export interface StoredSample {
  readonly metric: string;
  readonly labels: Readonly<Labels>;
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly ts: number;
  /**
   * The series within its target as `seriesKey(metric, labelsKey(labels))`, when the
   * caller already computed it (ingest does, once per sample): storage and the
   * latest values use it instead of computing it again.
   */
  readonly key?: string;
}

/** A series' key within its target: the metric, plus its labels when it has any. */
export function seriesKey(metric: string, labelsJson: string): string {
  return labelsJson === '{}' ? metric : `${metric}\u0000${labelsJson}`;
}

export interface SeriesQuery {
  readonly targetId: string;
  readonly metric: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Bucket width; points are averaged per bucket when set. */
  readonly stepMs?: number;
  /** Aggregate per bucket when stepMs is set (or when only a rollup tier covers the range); default avg. */
  readonly agg?: 'avg' | 'min' | 'max' | 'last' | 'sum' | 'count';
}

export interface SeriesPoints {
  readonly metric: string;
  readonly labels: Readonly<Labels>;
  /** [timestampMs, value] in time order; non-finite values are null in JSON. */
  readonly points: Array<[number, number]>;
}

export interface LatestSample extends StoredSample {
  readonly targetId: string;
  /** The storage series id, when the sample is stored (synthetic samples have none). */
  readonly seriesId?: number;
}

/**
 * The time-series store as the rest of the collector sees it. Storage is
 * reached only through this interface, so the engine behind it can change.
 */
export interface SampleStore {
  /** Appends samples of one target. Runs inside the caller's transaction; returns how many were stored. */
  /** `seriesIds`, when given, receives each sample's series id (-1 for a rejected sample). */
  append(targetId: string, samples: readonly StoredSample[], seriesIds?: number[]): number;
  query(q: SeriesQuery): SeriesPoints[];
  /** The newest sample of every series, used to rebuild in-memory latest values at start-up. */
  latestAll(): LatestSample[];
  /** Background work on a timer (chunked engine): seal, roll up, retention, WAL checkpoint; bounded per call. */
  runMaintenance?(nowMs: number, opts?: MaintenanceOptions): MaintenanceResult;
  /** Database size, bytes per sample, ingest rate and how long the size budget lasts. */
  stats?(): StorageStats;
  /** Protocol-3 ingest (chunked engine): series resolved once per connection, samples in columns. */
  resolveSeries?(targetId: string, metric: string, labels: Readonly<Labels>, key?: string): number;
  appendResolved?(seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>): number;
  /** Changes whenever the store rebuilt its memory (series ids handed out before may be invalid). */
  readonly generation?: number;
  /** The transaction the store last wrote in was rolled back. */
  invalidate?(): void;
}
