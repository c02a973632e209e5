import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { SampleStore, StoredSample } from '../storage/sample-store.js';
import type { Targets } from '../targets/targets.js';
import type { ConnectionSeries, SeriesToResolve } from './connection-series.js';
import { GapStore, type IngestGap } from './gap-store.js';
import { HighWater } from './high-water.js';

/** Protocol 3: a batch's samples in columns, naming series by the connection's ids. */
export interface ColumnSamples {
  readonly series: ConnectionSeries;
  /** Series this batch defines; resolved into `series` inside the commit, before anything else. */
  readonly defs: readonly SeriesToResolve[];
  readonly wireIds: readonly number[];
  readonly ts: Float64Array;
  readonly values: Float64Array;
  /** Filled by the committer: each sample's storage series id (-1: not stored). */
  readonly storageIds: Int32Array;
}

export interface PendingBatch {
  readonly agentId: string;
  readonly targetId: string;
  readonly epoch: string;
  readonly seq: number;
  /** Protocols 1–2: one object per sample (empty for a protocol-3 batch). */
  readonly samples: readonly StoredSample[];
  /** Protocol 3. */
  readonly columns?: ColumnSamples;
  /** Samples of devices this agent polls, by their own target id. */
  readonly deviceSamples?: ReadonlyMap<string, readonly StoredSample[]>;
  /** Protocol-1 agents never report gaps: a sequence they skip is given up at once (the old "highest seen" mark). */
  readonly fillHoles?: boolean;
  /** Filled by the committer: each sample's storage series id (-1: rejected), for the latest values. */
  seriesIds?: number[];
  deviceSeriesIds?: Map<string, number[]>;
}

/** `highWater` is the contiguous mark after this item: what the ack may name. */
export type CommitOutcome = { ok: true; stored: boolean; highWater: number } | { ok: false; error: Error };

type Item = { readonly kind: 'batch'; readonly batch: PendingBatch } | { readonly kind: 'gap'; readonly gap: IngestGap };

/** Default commit window (see the constructor). */
export const COMMIT_WINDOW_MS = 10;
/** Batches that make a commit go at once, window or not. */
export const MAX_GROUP = 256;

/** A batch whose connection's series ids predate a store rebuild: refused, the agent reconnects. */
const STALE = Symbol('stale');
type ItemResult = { stored: boolean; highWater: number } | typeof STALE;

/** Names a stored series by id (the chunked store's interned names). */
export interface SeriesNamer {
  seriesMetric(id: number): string | undefined;
  seriesLabels(id: number): Readonly<Record<string, string>> | undefined;
}

/**
 * A protocol-3 batch's stored samples as objects, grouped by target, for the
 * consumers that need names per sample (remote write). Ingest itself never
 * builds them.
 */
export function expandColumns(cols: ColumnSamples, names: SeriesNamer): Map<string, StoredSample[]> {
  const out = new Map<string, StoredSample[]>();
  for (let i = 0; i < cols.storageIds.length; i++) {
    const id = cols.storageIds[i] as number;
    const metric = id < 0 ? undefined : names.seriesMetric(id);
    if (metric === undefined) continue;
    const targetId = cols.series.targetOf(cols.wireIds[i] as number);
    let list = out.get(targetId);
    if (!list) out.set(targetId, (list = []));
    list.push({ metric, labels: names.seriesLabels(id) ?? {}, value: cols.values[i] as number, ts: cols.ts[i] as number });
  }
  return out;
}

/**
 * Group commit: batches that arrive close together (from many agents) are
 * written in one transaction, so one fsync covers them all, and each is acked
 * only after that commit returned. A batch at or below its agent's high-water
 * mark, or in a range already stored above it, is a replay: acknowledged, not
 * stored again. A gap settles the sequences an agent will never send.
 */
export class GroupCommitter {
  readonly #db: Database;
  readonly #store: SampleStore;
  readonly #targets: Targets;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #hw: HighWater;
  readonly #gaps: GapStore;
  #queue: Array<{ item: Item; done: (o: CommitOutcome) => void }> = [];
  /** A flush is queued for this event-loop turn. */
  #immediate = false;
  /** A flush is waiting for the window to end. */
  #timer: NodeJS.Timeout | undefined;
  readonly #windowMs: number;
  /** Called after each committed transaction (one fsync): the self metrics count them. */
  onCommit: () => void = () => {};
  /** Called after a commit with the batches that were newly stored. */
  onCommitted: (batches: readonly PendingBatch[]) => void = () => {};

  /**
   * `windowMs`: how long the first batch of a commit waits for others to join
   * it. Batches from thousands of agents arrive spread out, so committing per
   * event-loop turn meant an fsync per ~6 batches (~57 a second at 5,000
   * agents); 10 ms makes it ~17–22 batches (~17 a second) and ~30% fewer
   * bytes written. The fsync blocks the event loop: cheap on this VM's disk
   * (80 µs), milliseconds on a closet server's SATA SSD or disk, where 57 a
   * second would eat the loop. It costs ~10 ms of ack latency (p50) and no
   * CPU that three A/B runs could tell apart (docs/capacity.md). 0 commits
   * every turn.
   */
  constructor(db: Database, store: SampleStore, targets: Targets, logger: Logger, clock: () => number = Date.now, windowMs = COMMIT_WINDOW_MS) {
    this.#windowMs = windowMs;
    this.#db = db;
    this.#store = store;
    this.#targets = targets;
    this.#log = logger.child({ module: 'ingest' });
    this.#clock = clock;
    this.#hw = new HighWater(db);
    this.#gaps = new GapStore(db);
  }

  highWater(agentId: string, epoch: string): number {
    return this.#hw.get(agentId, epoch);
  }

  submit(batch: PendingBatch): Promise<CommitOutcome> {
    return this.#enqueue({ kind: 'batch', batch });
  }

  /** Records a gap and settles its sequences; acked like a batch. */
  submitGap(gap: IngestGap): Promise<CommitOutcome> {
    return this.#enqueue({ kind: 'gap', gap });
  }

  #enqueue(item: Item): Promise<CommitOutcome> {
    return new Promise((resolve) => {
      this.#queue.push({ item, done: resolve });
      // A flush this turn takes everything queued by then.
      if (this.#immediate) return;
      if (this.#queue.length >= MAX_GROUP || this.#windowMs === 0) {
        // A full group need not wait for the window (0: commit every turn). setImmediate
        // lets every message already read from sockets join this commit.
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#immediate = true;
        setImmediate(() => this.#flush());
      } else if (this.#timer === undefined) {
        // The window: batches arriving soon after join this commit.
        this.#timer = setTimeout(() => this.#flush(), this.#windowMs);
      }
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#immediate = false;
    const items = this.#queue;
    this.#queue = [];
    if (items.length === 0) return;
    const now = this.#clock();
    const results: Array<ItemResult> = [];
    try {
      this.#db.transaction(() => {
        for (const { item } of items) results.push(item.kind === 'batch' ? this.#applyBatch(item.batch, now) : this.#applyGap(item.gap, now));
      })();
      this.onCommit();
    } catch (err) {
      // Whatever the store took into memory in this transaction is gone from the database.
      this.#store.invalidate?.();
      this.#log.error({ err: (err as Error).message, batches: items.length }, 'ingest commit failed; nothing acknowledged');
      for (const it of items) it.done({ ok: false, error: err as Error });
      return;
    }
    const stored: PendingBatch[] = [];
    items.forEach((it, i) => {
      const r = results[i] as ItemResult;
      if (r === STALE) return it.done({ ok: false, error: new Error('HM_STALE_SERIES: series ids from before the store was rebuilt') });
      if (r.stored && it.item.kind === 'batch') stored.push(it.item.batch);
      it.done({ ok: true, ...r });
    });
    if (stored.length) this.onCommitted(stored);
  }

  #applyBatch(batch: PendingBatch, now: number): ItemResult {
    const cols = batch.columns;
    // Definitions count even in a replay: later batches of the connection name these series.
    if (cols && !this.#resolve(cols)) return STALE;
    const hw = this.#hw.get(batch.agentId, batch.epoch);
    if (this.#hw.has(batch.agentId, batch.epoch, batch.seq, hw)) return { stored: false, highWater: hw };
    if (cols) this.#appendColumns(cols, now);
    if (batch.samples.length > 0) this.#store.append(batch.targetId, batch.samples, (batch.seriesIds = []));
    this.#targets.touch(batch.targetId, now);
    for (const [targetId, samples] of batch.deviceSamples ?? []) {
      const ids: number[] = [];
      (batch.deviceSeriesIds ??= new Map()).set(targetId, ids);
      this.#store.append(targetId, samples, ids);
      this.#targets.touch(targetId, now);
    }
    return { stored: true, highWater: this.#hw.settle(batch.agentId, batch.epoch, batch.seq, batch.seq, hw, batch.fillHoles === true, now) };
  }

  /** Resolves the series a batch defines; false when the connection's earlier ids are from a rebuilt store. */
  #resolve(cols: ColumnSamples): boolean {
    const store = this.#store;
    if (!store.resolveSeries || !store.appendResolved) throw new Error('this storage engine cannot take protocol-3 batches');
    const generation = store.generation ?? 0;
    if (!cols.series.validIn(generation)) return false;
    for (const d of cols.defs) cols.series.resolved(d.wireId, store.resolveSeries(d.targetId, d.metric, d.labels, d.key), generation);
    return true;
  }

  #appendColumns(cols: ColumnSamples, now: number): void {
    const { series, wireIds, storageIds } = cols;
    for (let i = 0; i < wireIds.length; i++) storageIds[i] = series.storageId(wireIds[i] as number);
    // #resolve checked that the engine has it.
    this.#store.appendResolved?.(storageIds, cols.ts, cols.values);
    if (series.hasDeviceTargets) {
      const seen = new Set<string>();
      for (const id of wireIds) seen.add(series.targetOf(id));
      for (const t of seen) this.#targets.touch(t, now);
    }
  }

  #applyGap(gap: IngestGap, now: number): ItemResult {
    const hw = this.#hw.get(gap.agentId, gap.epoch);
    // Only the part above the mark is news; below it the collector has the data (or an earlier gap).
    const fromSeq = Math.max(gap.fromSeq, hw + 1);
    if (fromSeq > gap.toSeq) return { stored: false, highWater: hw };
    const stored = this.#gaps.insert(clipGap(gap, fromSeq), now);
    return { stored, highWater: this.#hw.settle(gap.agentId, gap.epoch, fromSeq, gap.toSeq, hw, false, now) };
  }
}

/**
 * The part of a gap from `fromSeq` on. An agent may drop a segment whose first
 * batches were sent and stored but not yet acked; the counts and start time of
 * the remainder are prorated by sequence (batches are exact, samples and time
 * an estimate), so the dashboard does not report stored data as lost.
 */
export function clipGap(gap: IngestGap, fromSeq: number): IngestGap {
  if (fromSeq <= gap.fromSeq) return gap;
  const span = gap.toSeq - gap.fromSeq + 1;
  const kept = gap.toSeq - fromSeq + 1;
  const fromTs = gap.fromTs > 0 && gap.toTs >= gap.fromTs ? Math.round(gap.fromTs + ((gap.toTs - gap.fromTs) * (fromSeq - gap.fromSeq)) / Math.max(1, span - 1)) : gap.fromTs;
  return { ...gap, fromSeq, fromTs, droppedBatches: kept, droppedSamples: Math.round((gap.droppedSamples * kept) / span) };
}
