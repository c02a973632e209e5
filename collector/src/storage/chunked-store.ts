import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Labels } from '@hallmonitor/shared';
import { CollectorError } from '../errors.js';
import { ChunkTable, windowStart } from './chunk-table.js';
import { resolveStorageConfig, type ResolvedStorageConfig } from './config.js';
import { isStorableTimestamp } from './gorilla-encoder.js';
import { decodeHeadBatch, encodeHeadBatch, encodeHeadColumns, type HeadSample } from './head-log.js';
import { OpenBuffers } from './open-buffers.js';
import { planQuery, querySeries, type QuerySources } from './query.js';
import { RateMeter } from './rate-meter.js';
import { Retention } from './retention.js';
import { RollupTable } from './rollup.js';
import { RollupJobs } from './rollup-jobs.js';
import type { LatestSample, SampleStore, SeriesPoints, SeriesQuery, StoredSample } from './sample-store.js';
import { sealBuffer, type SealOutcome } from './sealer.js';
import { SeriesIndex, type SeriesInfo } from './series-index.js';
import { dbSpace, estimateBudget, type BudgetEstimate } from './size-budget.js';

export interface ChunkedStoreOptions {
  readonly config?: ResolvedStorageConfig;
  /** Wall clock: the raw-retention bound on append, the ingest rate, how long a buffer has been open. */
  readonly clock?: () => number;
  /**
   * An open buffer holding this many samples is spilled into a chunk row of its
   * (still open) window, so memory per series is bounded by this rather than by
   * the window: 30 is 7.5 minutes at a 15 s interval, a 128-byte slot for most
   * series. Spilling 300,000 buffers costs ~3 s of CPU (docs/capacity.md). Default 30.
   */
  readonly spillSamples?: number;
}

export interface MaintenanceOptions {
  /** Wall-time budget of one call; work that remains is reported as `more`. */
  readonly budgetMs?: number;
}

export interface MaintenanceResult {
  sealedBuffers: number;
  /** Buffers of still-open windows written out early (spillSamples). */
  spilledBuffers: number;
  mergedBuffers: number;
  duplicatesDropped: number;
  headRowsDeleted: number;
  rollupSpans: number;
  rawChunksDeleted: number;
  rollupRowsDeleted: number;
  overBudget: boolean;
  /** True when work remains: call again soon rather than at the next tick. */
  more: boolean;
  durationMs: number;
  /** Failures of individual steps (e.g. a full disk); the other steps still ran. */
  errors: string[];
}

export interface StorageStats extends BudgetEstimate {
  readonly fileBytes: number;
  readonly usedBytes: number;
  readonly walBytes: number;
  readonly maxBytes: number;
  readonly series: number;
  readonly rawSamples: number;
  readonly rawChunks: number;
  /** Compressed raw payload per sample (chunk BLOB bytes / samples). */
  readonly bytesPerSample: number;
  readonly rollupBytes: number;
  readonly headSamples: number;
  readonly openBuffers: number;
  /** Memory reserved for open buffers' samples. */
  readonly headBytes: number;
  /** Samples accepted per second over the last minute. */
  readonly ingestRate: number;
  readonly rejectedSamples: number;
  readonly duplicateSamples: number;
  readonly tiers: ReadonlyArray<{ readonly stepMs: number; readonly watermark: number | null }>;
}

/**
 * The time-series engine: compressed chunks per series and window, a head
 * log that makes open windows durable in the caller's transaction, rollup
 * tiers and retention in bounded background work (runMaintenance).
 *
 * In-memory state (series ids, open buffers, latest values) mirrors the
 * database. A rolled-back transaction is detected on the next call — the
 * head_log sequence differs from what this store last wrote, or an append
 * failed — and the state is rebuilt from the database, so samples that were
 * never committed are never served or sealed.
 *
 * Ordering rule: any timestamp inside raw retention is accepted, in any
 * order. A sample with the same timestamp as one already stored for the
 * series is a duplicate and the first value wins (a late sample within the
 * alignment tolerance of a sealed one counts as the same slot). Samples with
 * a timestamp that is not an integer in [0, 2^47) or older than raw retention
 * are rejected (counted, not stored). NaN and ±Inf are stored as they are.
 */
export class ChunkedSampleStore implements SampleStore {
  readonly #db: Database;
  readonly #cfg: ResolvedStorageConfig;
  readonly #clock: () => number;
  readonly #spillSamples: number;
  readonly #series: SeriesIndex;
  readonly #buffers: OpenBuffers;
  readonly #chunks: ChunkTable;
  readonly #rollups: RollupTable;
  readonly #jobs: RollupJobs;
  readonly #retention: Retention;
  readonly #rate = new RateMeter();
  readonly #insertHead: Statement;
  readonly #headSeq: Statement;
  readonly #appendTxn: Transaction<(targetId: string, samples: readonly StoredSample[], ids?: number[]) => number>;
  readonly #appendResolvedTxn: Transaction<(seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>) => number>;
  /** Bumped by every rebuild of memory from the database. */
  #generation = 0;
  #expectedSeq = -1;
  #dirty = true;
  #gen = 0;
  #rejected = 0;
  #duplicates = 0;
  #lastCheckpoint = Number.NEGATIVE_INFINITY;
  #truncate: Statement | undefined;
  /**
   * Windows the last scan found due and not yet sealed, oldest first, and where the
   * next slice resumes. After each hour 300,000 windows fall due at once and their
   * seal takes many slices; scanning and sorting them again in every slice cost
   * more than the sealing and made each slice overrun its budget (docs/capacity.md).
   */
  #dueQueue: number[] = [];
  #dueNext = 0;

  constructor(db: Database, opts: ChunkedStoreOptions = {}) {
    const hasChunks = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chunks'").get();
    if (!hasChunks) throw new CollectorError('HM_DB', 'the database has no chunked storage tables (schema migration 2 has not run)');
    this.#db = db;
    this.#cfg = opts.config ?? resolveStorageConfig();
    this.#clock = opts.clock ?? Date.now;
    this.#spillSamples = Math.max(2, Math.floor(opts.spillSamples ?? 30));
    this.#buffers = new OpenBuffers(this.#spillSamples);
    // After a checkpoint the WAL file is cut back to this size instead of staying at its high-water mark.
    if (!db.memory) db.pragma('journal_size_limit = 67108864');
    this.#series = new SeriesIndex(db);
    this.#chunks = new ChunkTable(db);
    this.#rollups = new RollupTable(db);
    this.#jobs = new RollupJobs(db, this.#cfg.tiers, this.#chunks, this.#rollups, this.#cfg.lateGraceMs);
    this.#retention = new Retention(db, this.#cfg, this.#jobs);
    this.#insertHead = db.prepare('INSERT INTO head_log (data) VALUES (?)');
    this.#headSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'head_log'");
    this.#appendTxn = db.transaction((targetId: string, samples: readonly StoredSample[], ids?: number[]) => this.#append(targetId, samples, ids));
    this.#appendResolvedTxn = db.transaction((seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>) => this.#appendResolved(seriesIds, ts, values));
    this.#reload();
  }

  append(targetId: string, samples: readonly StoredSample[], seriesIds?: number[]): number {
    this.#ensureConsistent();
    try {
      // A savepoint inside the caller's transaction: a failure undoes this call only, and the caller decides.
      return this.#appendTxn(targetId, samples, seriesIds);
    } catch (err) {
      this.#dirty = true;
      throw storageError(err);
    }
  }

  #append(targetId: string, samples: readonly StoredSample[], ids?: number[]): number {
    const now = this.#clock();
    const oldest = now - this.#cfg.rawKeepMs;
    const gen = this.#nextGen();
    const batch: HeadSample[] = [];
    const touched: number[] = [];
    if (ids) ids.length = 0;
    for (const s of samples) {
      if (typeof s.value !== 'number' || !isStorableTimestamp(s.ts) || s.ts < oldest) {
        this.#rejected++;
        ids?.push(-1);
        continue;
      }
      const seriesId = this.#series.resolve(targetId, s.metric, s.labels, s.key);
      ids?.push(seriesId);
      if (this.#buffer(seriesId, s.ts, s.value, now, gen, touched)) batch.push({ seriesId, ts: s.ts, value: s.value });
    }
    if (batch.length === 0) return 0;
    return this.#logHead(encodeHeadBatch(batch), batch.length, touched, now);
  }

  /**
   * Generations tag which buffers one append touched. The buffers keep one bit per slot and remember only
   * the current generation, so a call needs only a number other than the last; it wraps to stay a small integer.
   */
  #nextGen(): number {
    return (this.#gen = (this.#gen % 0x7fffffff) + 1);
  }

  /** Puts one sample in its open buffer; false for a duplicate (the first value stays). */
  #buffer(seriesId: number, ts: number, value: number, now: number, gen: number, touched: number[]): boolean {
    const buf = this.#buffers.get(seriesId, windowStart(ts), now);
    if (!this.#buffers.insert(buf, ts, value)) {
      this.#duplicates++;
      return false;
    }
    if (this.#buffers.mark(buf, gen)) touched.push(buf);
    return true;
  }

  /** Writes one append's samples as a head_log row; the buffers it touched need that row until they are sealed. */
  #logHead(data: Buffer, count: number, touched: readonly number[], now: number): number {
    const id = Number(this.#insertHead.run(data).lastInsertRowid);
    for (const b of touched) this.#buffers.noteHead(b, id);
    this.#expectedSeq = id;
    this.#rate.add(count, now);
    return count;
  }

  /**
   * The id of a series, created if new — inside the caller's transaction, like
   * append (a rollback is caught by `invalidate` or the head_log check).
   * Ids never change while `generation` does not.
   */
  resolveSeries(targetId: string, metric: string, labels: Readonly<Labels>, key?: string): number {
    this.#ensureConsistent();
    try {
      return this.#series.resolve(targetId, metric, labels, key);
    } catch (err) {
      this.#dirty = true;
      throw storageError(err);
    }
  }

  /**
   * Appends samples of series resolved before (protocol-3 batches), in
   * columns: no key, no lookup per sample. `seriesIds[i]` is set to -1 for a
   * sample that was refused (timestamp out of range); a negative id is skipped.
   */
  appendResolved(seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>): number {
    this.#ensureConsistent();
    try {
      return this.#appendResolvedTxn(seriesIds, ts, values);
    } catch (err) {
      this.#dirty = true;
      throw storageError(err);
    }
  }

  #appendResolved(seriesIds: Int32Array, ts: ArrayLike<number>, values: ArrayLike<number>): number {
    const now = this.#clock();
    const oldest = now - this.#cfg.rawKeepMs;
    const gen = this.#nextGen();
    const touched: number[] = [];
    // Which samples go to the head log: not refused, not duplicates (a duplicate keeps its id: it names a stored series).
    const logged = new Uint8Array(seriesIds.length);
    let count = 0;
    for (let i = 0; i < seriesIds.length; i++) {
      const id = seriesIds[i] as number;
      if (id < 0) continue;
      const t = ts[i] as number;
      if (!isStorableTimestamp(t) || t < oldest || !this.#series.has(id)) {
        this.#rejected++;
        seriesIds[i] = -1;
        continue;
      }
      if (this.#buffer(id, t, values[i] as number, now, gen, touched)) {
        logged[i] = 1;
        count++;
      }
    }
    if (count === 0) return 0;
    return this.#logHead(encodeHeadColumns(seriesIds, ts, values, logged, count), count, touched, now);
  }

  /** Changes whenever memory was rebuilt from the database: series ids handed out before may be gone. */
  get generation(): number {
    this.#ensureConsistent();
    return this.#generation;
  }

  /** The transaction that last wrote here was rolled back: rebuild memory before the next use. */
  invalidate(): void {
    this.#dirty = true;
  }

  /** Names of a stored series (interned; no object per call). */
  seriesMetric(id: number): string | undefined {
    return this.#series.metric(id);
  }

  seriesLabels(id: number): Readonly<Labels> | undefined {
    return this.#series.labels(id);
  }

  seriesTarget(id: number): string | undefined {
    return this.#series.targetId(id);
  }

  /** A series by id: what the latest values need to name it (an object per call). */
  seriesById(id: number): SeriesInfo | undefined {
    return this.#series.byId(id);
  }

  /** Whether a series id is stored: the allocation-free check latest values make per sample. */
  hasSeries(id: number): boolean {
    return this.#series.has(id);
  }

  query(q: SeriesQuery): SeriesPoints[] {
    this.#ensureConsistent();
    const plan = planQuery(this.#cfg, q.fromMs, q.stepMs, this.#clock());
    const src = this.#sources();
    return this.#series.forMetric(q.targetId, q.metric).map((id) => ({
      metric: this.#series.metric(id) as string,
      labels: this.#series.labels(id) as Readonly<Labels>,
      points: querySeries(src, plan, id, q.fromMs, q.toMs, q.agg ?? 'avg'),
    }));
  }

  /** The newest sample of every series, from chunks and open buffers (start-up; the collector keeps them live itself). */
  latestAll(): LatestSample[] {
    this.#ensureConsistent();
    const out: LatestSample[] = [];
    const index = this.#series;
    for (const id of index.all()) {
      let ts = -1;
      let value = Number.NaN;
      const last = this.#chunks.last(id);
      if (last) ({ ts, value } = last);
      const bufs = this.#buffers;
      for (const b of bufs.forSeries(id)) {
        if (bufs.count(b) > 0 && bufs.lastTs(b) > ts) {
          ts = bufs.lastTs(b);
          value = bufs.lastValue(b);
        }
      }
      if (ts >= 0) out.push({ targetId: index.targetId(id) as string, metric: index.metric(id) as string, labels: index.labels(id) as Readonly<Labels>, ts, value, seriesId: id });
    }
    return out;
  }

  #sources(): QuerySources {
    return { cfg: this.#cfg, chunks: this.#chunks, rollups: this.#rollups, buffers: this.#buffers, jobs: this.#jobs };
  }

  /** Rebuilds memory from the database when a transaction this store wrote in was rolled back. */
  #ensureConsistent(): void {
    const row = this.#headSeq.get() as { seq: number } | undefined;
    if (this.#dirty || (row?.seq ?? 0) !== this.#expectedSeq) this.#reload();
  }

  #reload(): void {
    this.#generation++;
    this.#dueQueue = [];
    this.#dueNext = 0;
    const now = this.#clock();
    this.#series.load();
    this.#buffers.clear();
    this.#jobs.load();
    for (const id of this.#series.all()) {
      const last = this.#chunks.last(id);
      if (last) this.#series.setLastSealedWindow(id, last.windowStart);
    }
    this.#replayHead(now);
    this.#expectedSeq = (this.#headSeq.get() as { seq: number } | undefined)?.seq ?? 0;
    this.#dirty = false;
  }

  /** Refills open buffers from the head log, skipping samples already folded into a chunk (head_hw). */
  #replayHead(now: number): void {
    const page = this.#db.prepare('SELECT id, data FROM head_log WHERE id > ? ORDER BY id LIMIT 2000');
    const rows: Array<{ id: number; samples: HeadSample[] }> = [];
    for (let after = 0; ; ) {
      const part = page.all(after) as Array<{ id: number; data: Buffer }>;
      if (part.length === 0) break;
      for (const r of part) rows.push({ id: r.id, samples: decodeHeadBatch(r.data) });
      after = (part[part.length - 1] as { id: number }).id;
    }
    if (rows.length === 0) return;
    const minWindow = new Map<number, number>();
    for (const r of rows) for (const s of r.samples) minWindow.set(s.seriesId, Math.min(minWindow.get(s.seriesId) ?? Number.POSITIVE_INFINITY, windowStart(s.ts)));
    const sealedQ = this.#db.prepare('SELECT start_ts, head_hw FROM chunks WHERE series_id = ? AND start_ts >= ?');
    const sealedHw = new Map<number, Map<number, number>>();
    for (const [id, w] of minWindow) {
      const m = new Map<number, number>();
      for (const c of sealedQ.all(id, w) as Array<{ start_ts: number; head_hw: number }>) {
        const cw = windowStart(c.start_ts);
        m.set(cw, Math.max(m.get(cw) ?? 0, c.head_hw));
      }
      sealedHw.set(id, m);
    }
    for (const r of rows) {
      for (const s of r.samples) {
        const w = windowStart(s.ts);
        if (!this.#series.has(s.seriesId) || (sealedHw.get(s.seriesId)?.get(w) ?? -1) >= r.id) continue;
        const buf = this.#buffers.get(s.seriesId, w, now);
        if (this.#buffers.insert(buf, s.ts, s.value)) this.#buffers.noteHead(buf, r.id);
      }
    }
  }

  /**
   * Background work, bounded by `budgetMs` (default 50 ms) per call: seal
   * windows that are past their grace period into chunks, drop head log rows
   * no longer needed, compute rollups, apply retention and the size budget,
   * checkpoint the WAL. Call it on a timer (every 2 s suits) and again at once
   * while it reports `more`. Never inside a transaction.
   */
  runMaintenance(nowMs: number, opts: MaintenanceOptions = {}): MaintenanceResult {
    if (this.#db.inTransaction) throw new CollectorError('HM_DB', 'storage maintenance cannot run inside another transaction');
    const t0 = performance.now();
    const deadline = t0 + (opts.budgetMs ?? 50);
    const res: MaintenanceResult = {
      sealedBuffers: 0, spilledBuffers: 0, mergedBuffers: 0, duplicatesDropped: 0, headRowsDeleted: 0, rollupSpans: 0,
      rawChunksDeleted: 0, rollupRowsDeleted: 0, overBudget: false, more: false, durationMs: 0, errors: [],
    };
    const step = (name: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        res.errors.push(`${name}: ${(err as Error).message}`);
      }
    };
    step('reload', () => this.#ensureConsistent());
    step('seal', () => this.#sealDue(nowMs, deadline, res));
    step('head', () => this.#truncateHead(deadline, res));
    step('rollup', () => {
      const r = this.#jobs.run(nowMs, deadline, this.#oldestOpenWindow());
      res.rollupSpans = r.spans;
      res.more ||= r.more;
    });
    step('retention', () => {
      const r = this.#retention.run(nowMs, deadline);
      res.rawChunksDeleted = r.rawChunks;
      res.rollupRowsDeleted = r.rollupRows;
      res.overBudget = r.overBudget;
      res.more ||= r.more;
    });
    // SQLite's auto-checkpoint runs on commit; this one catches a WAL that readers kept from being reset.
    // Every 10 s of real time at most: each checkpoint costs an fsync of the database file.
    if (performance.now() - this.#lastCheckpoint >= 10_000) {
      this.#lastCheckpoint = performance.now();
      step('checkpoint', () => this.#db.pragma('wal_checkpoint(PASSIVE)'));
    }
    this.#duplicates += res.duplicatesDropped;
    res.durationMs = performance.now() - t0;
    return res;
  }

  #sealDue(now: number, deadline: number, res: MaintenanceResult): void {
    const wall = this.#clock();
    const grace = this.#cfg.lateGraceMs;
    // Late data for time a tier already summarizes is sealed at once, so the tier is recomputed soon.
    const summarized = this.#jobs.watermark(0) ?? Number.NEGATIVE_INFINITY;
    // The queue of an earlier scan first: a slot sealed since (by a reload) or reused is skipped.
    if (!this.#sealQueued(deadline, res, (b) => this.#buffers.stillDue(b, now, grace, summarized, wall))) return;
    // The queue is done, so no slot numbers are held: the table may be renumbered (after each hour's seal).
    this.#buffers.pack();
    // Buffers open longer than a window by the wall clock are sealed too: future-dated windows (a skewed agent clock) must not pin the head log.
    const { due, spill } = this.#buffers.scan(now, grace, summarized, wall, this.#spillSamples);
    due.sort((a, b) => this.#buffers.windowStart(a) - this.#buffers.windowStart(b));
    this.#dueQueue = due;
    this.#dueNext = 0;
    if (!this.#sealQueued(deadline, res)) return;
    this.#sealBatches(spill, 0, true, deadline, res);
  }

  /** Seals from the due queue until the deadline; true when the queue is done. */
  #sealQueued(deadline: number, res: MaintenanceResult, keep?: (slot: number) => boolean): boolean {
    this.#dueNext = this.#sealBatches(this.#dueQueue, this.#dueNext, false, deadline, res, keep);
    return this.#dueNext >= this.#dueQueue.length;
  }

  /**
   * Seals (or spills) `list` from index `from`, up to 256 buffers per transaction,
   * until the deadline, which is checked before every buffer (a seal of a full hour
   * is ~150 µs, so 256 of them would overrun a slice by ~40 ms). Returns the index
   * where it stopped (`list.length`: all done); `res.more` is set when it ran out of time.
   * `keep` skips slots no longer due (the queue of an earlier scan).
   */
  #sealBatches(list: readonly number[], from: number, spill: boolean, deadline: number, res: MaintenanceResult, keep?: (slot: number) => boolean): number {
    let k = from;
    while (k < list.length) {
      // One batch at least per call, so a slice whose scan used up its budget still makes progress.
      if (k > from && performance.now() > deadline) {
        res.more = true;
        return k;
      }
      const batch: number[] = [];
      const outcomes = this.#db.transaction(() =>
        this.#chunks.batch(() => {
          const out: SealOutcome[] = [];
          for (; k < list.length && batch.length < 256 && (batch.length === 0 || performance.now() <= deadline); k++) {
            const b = list[k] as number;
            if (keep && !keep(b)) continue;
            const id = this.#buffers.seriesId(b);
            out.push(sealBuffer(this.#chunks, this.#buffers, b, id, this.#series.lastSealedWindow(id), this.#cfg.alignToleranceMs, spill));
            this.#jobs.rawWindowChanged(id, this.#buffers.windowStart(b));
            batch.push(b);
          }
          return out;
        }),
      )();
      // Memory follows only after the commit.
      batch.forEach((b, i) => {
        const id = this.#buffers.seriesId(b);
        const start = this.#buffers.windowStart(b);
        if (start > this.#series.lastSealedWindow(id)) this.#series.setLastSealedWindow(id, start);
        if (spill) this.#buffers.spilled(b);
        else this.#buffers.remove(b);
        const o = outcomes[i];
        if (spill) res.spilledBuffers++;
        else res.sealedBuffers++;
        if (o?.merged) res.mergedBuffers++;
        res.duplicatesDropped += o?.duplicates ?? 0;
      });
    }
    return k;
  }

  #truncateHead(deadline: number, res: MaintenanceResult): void {
    const min = this.#buffers.minHeadId();
    const upTo = Number.isFinite(min) ? min : this.#expectedSeq + 1;
    const del = (this.#truncate ??= this.#db.prepare('DELETE FROM head_log WHERE id IN (SELECT id FROM head_log WHERE id < ? ORDER BY id LIMIT 20000)'));
    for (let n = 20000; n === 20000; ) {
      if (performance.now() > deadline) {
        res.more = true;
        return;
      }
      n = del.run(upTo).changes;
      res.headRowsDeleted += n;
    }
  }

  #oldestOpenWindow(): number {
    return this.#buffers.oldestWindow();
  }

  stats(): StorageStats {
    const space = dbSpace(this.#db);
    const totals = new Map(
      (this.#db.prepare('SELECT kind, chunks, samples, bytes FROM storage_totals').all() as Array<{ kind: string; chunks: number; samples: number; bytes: number }>).map((r) => [r.kind, r]),
    );
    const raw = totals.get('raw') ?? { chunks: 0, samples: 0, bytes: 0 };
    const rollup = totals.get('rollup') ?? { chunks: 0, samples: 0, bytes: 0 };
    const now = this.#clock();
    const ingestRate = this.#rate.perSecond(now);
    const bytesPerSample = raw.samples > 0 ? raw.bytes / raw.samples : 0;
    return {
      fileBytes: space.fileBytes,
      usedBytes: space.usedBytes,
      walBytes: space.walBytes,
      maxBytes: this.#cfg.maxBytes,
      series: this.#series.size,
      rawSamples: raw.samples,
      rawChunks: raw.chunks,
      bytesPerSample,
      rollupBytes: rollup.bytes,
      headSamples: this.#buffers.samples,
      openBuffers: this.#buffers.size,
      headBytes: this.#buffers.reservedBytes,
      ingestRate,
      rejectedSamples: this.#rejected,
      duplicateSamples: this.#duplicates,
      tiers: this.#cfg.tiers.map((t, i) => ({ stepMs: t.stepMs, watermark: this.#jobs.watermark(i) ?? null })),
      // Until chunks exist, assume the design's ~4 bytes per sample for the estimate.
      ...estimateBudget({ usedBytes: space.usedBytes, maxBytes: this.#cfg.maxBytes, samplesPerSecond: ingestRate, bytesPerSample: bytesPerSample || 4, rollupFraction: raw.bytes > 0 ? rollup.bytes / raw.bytes : 0.1 }),
    };
  }
}

/** A full disk becomes HM_UNAVAILABLE (not acked, retry later); the SQLite error stays as the cause. */
function storageError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'SQLITE_FULL') return new CollectorError('HM_UNAVAILABLE', 'the database or disk is full; samples were not stored', { cause: err });
  return err;
}
