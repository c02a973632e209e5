import type { ChunkTable } from './chunk-table.js';
import type { ResolvedStorageConfig } from './config.js';
import type { OpenBuffers } from './open-buffers.js';
import { BucketBuilder, bucketValue, columnsFor, type Aggregate, type Bucket, type RollupTable } from './rollup.js';
import type { RollupJobs } from './rollup-jobs.js';

export interface QueryPlan {
  /** 0 = raw, i + 1 = tier i. */
  readonly level: number;
  /** Bucket width of the answer; 0 = raw points. */
  readonly stepMs: number;
}

/**
 * Picks the data to answer from: the coarsest level whose step divides the
 * asked step (cheapest exact answer) among those whose retention reaches back
 * to `fromMs`; if none does, the finest level that still reaches back (the
 * answer is then coarser than asked); if none reaches back, the coarsest.
 */
export function planQuery(cfg: ResolvedStorageConfig, fromMs: number, stepMs: number | undefined, now: number): QueryPlan {
  const e = stepMs && stepMs > 0 ? Math.floor(stepMs) : 0;
  const levels = cfg.tiers.length + 1;
  const keep = (l: number): number => (l === 0 ? cfg.rawKeepMs : (cfg.tiers[l - 1] as { keepMs: number }).keepMs);
  const step = (l: number): number => (l === 0 ? 0 : (cfg.tiers[l - 1] as { stepMs: number }).stepMs);
  const covers = (l: number): boolean => fromMs >= now - keep(l);
  let level = -1;
  for (let l = levels - 1; l >= 0 && level < 0; l--) if ((l === 0 || (e > 0 && e % step(l) === 0)) && covers(l)) level = l;
  for (let l = 0; l < levels && level < 0; l++) if (covers(l)) level = l;
  if (level < 0) level = levels - 1;
  const s = step(level);
  const eff = level === 0 ? e : e <= s ? s : Math.ceil(e / s) * s;
  return { level, stepMs: eff };
}

interface Sink {
  sample(ts: number, v: number): void;
  bucket(b: Readonly<Bucket>): void;
}

export interface QuerySources {
  readonly cfg: ResolvedStorageConfig;
  readonly chunks: ChunkTable;
  readonly rollups: RollupTable;
  readonly buffers: OpenBuffers;
  readonly jobs: RollupJobs;
}

/** Raw samples from sealed chunks and open head buffers, merged in time order (a sealed sample wins a tie). */
function readRaw(src: QuerySources, seriesId: number, from: number, to: number, sink: Sink): void {
  const sealed = src.chunks.read(seriesId, from, to);
  const open: Array<[number, number]> = [];
  const bufs = src.buffers;
  for (const b of bufs.forSeries(seriesId)) {
    if (bufs.count(b) === 0 || bufs.windowEnd(b) <= from || bufs.windowStart(b) > to) continue;
    const d = bufs.decode(b);
    for (let i = 0; i < d.ts.length; i++) {
      const t = d.ts[i] as number;
      if (t >= from && t <= to) open.push([t, d.values[i] as number]);
    }
  }
  let i = 0;
  let j = 0;
  const n = sealed.ts.length;
  while (i < n || j < open.length) {
    const ts = i < n ? (sealed.ts[i] as number) : Number.POSITIVE_INFINITY;
    const o = open[j];
    if (o && o[0] < ts) {
      sink.sample(o[0], o[1]);
      j++;
    } else {
      if (o && o[0] === ts) j++;
      sink.sample(ts, sealed.values[i] as number);
      i++;
    }
  }
}

/**
 * Samples that arrived late for time a tier already summarizes and are not
 * sealed yet: counted here until sealing recomputes the tier. A sample that
 * duplicates a sealed one (same slot) is skipped, as sealing would drop it.
 */
function lateSamples(src: QuerySources, seriesId: number, from: number, to: number, sink: Sink): void {
  const tol = src.cfg.alignToleranceMs;
  const bufs = src.buffers;
  for (const b of bufs.forSeries(seriesId)) {
    if (bufs.count(b) === 0 || bufs.windowEnd(b) <= from || bufs.windowStart(b) > to) continue;
    const d = bufs.decode(b);
    const lo = Math.max(from, bufs.windowStart(b));
    const hi = Math.min(to, bufs.windowEnd(b) - 1);
    const sealed = src.chunks.read(seriesId, lo - tol, hi + tol).ts;
    let k = 0;
    for (let i = 0; i < d.ts.length; i++) {
      const t = d.ts[i] as number;
      if (t < lo || t > hi) continue;
      while (k < sealed.length && (sealed[k] as number) < t - tol) k++;
      if (k < sealed.length && (sealed[k] as number) <= t + tol) continue;
      sink.sample(t, d.values[i] as number);
    }
  }
}

/** Level `level` up to its watermark, finer levels after it. */
function collect(src: QuerySources, level: number, seriesId: number, from: number, to: number, want: readonly boolean[], sink: Sink): void {
  if (from > to) return;
  if (level === 0) {
    readRaw(src, seriesId, from, to, sink);
    return;
  }
  const t = src.cfg.tiers[level - 1] as { stepMs: number; spanMs: number };
  const wm = src.jobs.watermark(level - 1);
  const split = wm === undefined ? from : Math.min(Math.max(from, wm), to + 1);
  if (split > from) {
    for (const b of src.rollups.read(t.stepMs, t.spanMs, seriesId, from, split - 1, want)) sink.bucket(b);
    lateSamples(src, seriesId, from, split - 1, sink);
  }
  collect(src, level - 1, seriesId, split, to, want, sink);
}

/**
 * Points of one series. With a step, whole buckets are returned: the range
 * is widened to bucket edges so every bucket is complete, whichever level it
 * came from, and each point is [bucketStart, aggregate].
 */
export function querySeries(src: QuerySources, plan: QueryPlan, seriesId: number, fromMs: number, toMs: number, agg: Aggregate): Array<[number, number]> {
  const want = columnsFor(agg);
  if (plan.stepMs === 0) {
    const points: Array<[number, number]> = [];
    collect(src, plan.level, seriesId, fromMs, toMs, want, {
      sample: (ts, v) => points.push([ts, v]),
      bucket: (b) => points.push([b.ts, bucketValue(b, agg)]),
    });
    return points;
  }
  const e = plan.stepMs;
  const from = Math.floor(fromMs / e) * e;
  const to = Math.floor(toMs / e) * e + e - 1;
  const bb = new BucketBuilder(e);
  collect(src, plan.level, seriesId, from, to, want, { sample: (ts, v) => bb.sample(ts, v), bucket: (b) => bb.bucket(b) });
  return bb.out.map((b) => [b.ts, bucketValue(b, agg)]);
}
