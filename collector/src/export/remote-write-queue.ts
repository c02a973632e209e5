import type { Database, Statement } from 'better-sqlite3';
import type { StoredSample } from '../storage/sample-store.js';
import { encodeWriteRequest, type RwSeries } from './remote-write-proto.js';
import { snappyCompress } from './snappy.js';
import { mergeLabels, type LabelPairs } from './target-labels.js';

export interface QueueEndpoint {
  readonly name: string;
  readonly maxBacklogBytes: number;
  readonly maxSamplesPerSend: number;
  readonly externalLabels: LabelPairs;
}

/** Why samples never reached an endpoint. */
export type DropReason = 'backlog_full' | 'rejected' | 'overflow' | 'queue_error';

export interface EndpointCounters {
  enqueuedSamples: number;
  sentSamples: number;
  sentRequests: number;
  failedRequests: number;
  dropped: Record<DropReason, number>;
  backlogSamples: number;
  backlogBytes: number;
  backlogRows: number;
  lastSuccessAt: number | null;
  lastError: string | null;
}

export interface QueueRow {
  readonly id: number;
  readonly samples: number;
  readonly bytes: number;
  /** Snappy-compressed WriteRequest, sent as it is. */
  readonly payload: Buffer;
}

export interface QueueOptions {
  readonly clock?: () => number;
  /** Samples held in memory between flushes before new ones are dropped (the database is failing). */
  readonly maxPendingSamples?: number;
  /**
   * Samples older than this, or older than what their target already sent,
   * travel in separate requests: Prometheus refuses a whole request for one
   * out-of-order or out-of-bounds sample, and live data must not go with them.
   */
  readonly lateAfterMs?: number;
}

interface Pending {
  readonly targetId: string;
  readonly samples: readonly StoredSample[];
  readonly late: boolean;
}

function newCounters(): EndpointCounters {
  return {
    enqueuedSamples: 0,
    sentSamples: 0,
    sentRequests: 0,
    failedRequests: 0,
    dropped: { backlog_full: 0, rejected: 0, overflow: 0, queue_error: 0 },
    backlogSamples: 0,
    backlogBytes: 0,
    backlogRows: 0,
    lastSuccessAt: null,
    lastError: null,
  };
}

/**
 * The durable remote-write queue. `push` is what ingest calls after a commit:
 * it keeps references in memory and nothing else. `flush` (on a short timer)
 * encodes them into requests of at most maxSamplesPerSend samples, one row per
 * endpoint and request, and trims each endpoint's backlog to its byte budget,
 * oldest first. Samples in memory at a crash are lost to the export (never to
 * local storage): at most one flush interval.
 */
export class RemoteWriteQueue {
  readonly #db: Database;
  readonly #endpoints: readonly QueueEndpoint[];
  readonly #labelsOf: (targetId: string) => LabelPairs | undefined;
  readonly #clock: () => number;
  readonly #maxPending: number;
  readonly #lateAfterMs: number;
  readonly #counters = new Map<string, EndpointCounters>();
  readonly #newest = new Map<string, number>();
  #pending: Pending[] = [];
  #pendingSamples = 0;
  readonly #insert: Statement;
  readonly #oldest: Statement;
  readonly #delete: Statement;
  readonly #oldestIds: Statement;

  constructor(db: Database, endpoints: readonly QueueEndpoint[], labelsOf: (targetId: string) => LabelPairs | undefined, opts: QueueOptions = {}) {
    this.#db = db;
    this.#endpoints = endpoints;
    this.#labelsOf = labelsOf;
    this.#clock = opts.clock ?? Date.now;
    this.#maxPending = opts.maxPendingSamples ?? 1_000_000;
    this.#lateAfterMs = opts.lateAfterMs ?? 50 * 60_000;
    this.#insert = db.prepare('INSERT INTO remote_write_queue (endpoint, created_at, samples, bytes, payload) VALUES (?, ?, ?, ?, ?)');
    this.#oldest = db.prepare('SELECT id, samples, bytes, payload FROM remote_write_queue WHERE endpoint = ? ORDER BY id LIMIT 1');
    this.#delete = db.prepare('DELETE FROM remote_write_queue WHERE id = ?');
    this.#oldestIds = db.prepare('SELECT id, samples, bytes FROM remote_write_queue WHERE endpoint = ? ORDER BY id LIMIT 64');
    for (const e of endpoints) this.#counters.set(e.name, newCounters());
    // What a previous run left queued; rows of endpoints no longer configured go.
    const names = new Set(endpoints.map((e) => e.name));
    for (const r of db.prepare('SELECT endpoint, count(*) AS n, sum(samples) AS s, sum(bytes) AS b FROM remote_write_queue GROUP BY endpoint').all() as Array<{ endpoint: string; n: number; s: number; b: number }>) {
      const c = this.#counters.get(r.endpoint);
      if (c) Object.assign(c, { backlogRows: r.n, backlogSamples: r.s, backlogBytes: r.b });
    }
    const stale = db.prepare('SELECT DISTINCT endpoint FROM remote_write_queue').pluck().all() as string[];
    for (const name of stale) if (!names.has(name)) db.prepare('DELETE FROM remote_write_queue WHERE endpoint = ?').run(name);
  }

  get endpoints(): readonly QueueEndpoint[] {
    return this.#endpoints;
  }

  counters(endpoint: string): EndpointCounters | undefined {
    return this.#counters.get(endpoint);
  }

  /** Samples waiting in memory for the next flush. */
  get pendingSamples(): number {
    return this.#pendingSamples;
  }

  /** Whether any endpoint takes samples (when not, callers need not build them). */
  get enabled(): boolean {
    return this.#endpoints.length > 0;
  }

  /** Cheap: called for every committed batch; never throws, never touches the database. */
  push(targetId: string, samples: readonly StoredSample[]): void {
    if (this.#endpoints.length === 0 || samples.length === 0) return;
    if (this.#pendingSamples + samples.length > this.#maxPending) {
      for (const c of this.#counters.values()) c.dropped.overflow += samples.length;
      return;
    }
    const prev = this.#newest.get(targetId);
    let max = -Infinity;
    let min = Infinity;
    for (const s of samples) {
      if (s.ts > max) max = s.ts;
      if (s.ts < min) min = s.ts;
    }
    // A batch behind what this target already sent (a spool draining after an outage) or too old to be accepted.
    const late = (prev !== undefined && min < prev) || min < this.#clock() - this.#lateAfterMs;
    if (prev === undefined || max > prev) this.#newest.set(targetId, max);
    this.#pending.push({ targetId, samples, late });
    this.#pendingSamples += samples.length;
    for (const c of this.#counters.values()) c.enqueuedSamples += samples.length;
  }

  /** Writes what is in memory to the queue table; returns the number of rows written. */
  flush(): number {
    if (this.#pending.length === 0) return 0;
    const pending = this.#pending;
    const total = this.#pendingSamples;
    this.#pending = [];
    this.#pendingSamples = 0;
    const now = this.#clock();
    const labelCache = new Map<string, LabelPairs | undefined>();
    const labelsOf = (id: string): LabelPairs | undefined => {
      if (!labelCache.has(id)) labelCache.set(id, this.#labelsOf(id));
      return labelCache.get(id);
    };
    let rows = 0;
    for (const e of this.#endpoints) {
      const c = this.#counters.get(e.name) as EndpointCounters;
      try {
        const payloads = [...this.#encode(e, pending.filter((p) => !p.late), labelsOf), ...this.#encode(e, pending.filter((p) => p.late), labelsOf)];
        this.#db.transaction(() => {
          for (const p of payloads) {
            this.#insert.run(e.name, now, p.samples, p.payload.byteLength, p.payload);
            c.backlogRows++;
            c.backlogSamples += p.samples;
            c.backlogBytes += p.payload.byteLength;
          }
          this.#trim(e, c);
        })();
        rows += payloads.length;
      } catch (err) {
        // A full disk must not stop ingest; the export loses this flush and says so.
        c.dropped.queue_error += total;
        c.lastError = `queue write failed: ${(err as Error).message}`;
      }
    }
    return rows;
  }

  #encode(e: QueueEndpoint, items: readonly Pending[], labelsOf: (id: string) => LabelPairs | undefined): Array<{ samples: number; payload: Buffer }> {
    const out: Array<{ samples: number; payload: Buffer }> = [];
    let series: RwSeries[] = [];
    const emit = (): void => {
      if (series.length === 0) return;
      const raw = encodeWriteRequest(series);
      const z = snappyCompress(raw);
      out.push({ samples: series.length, payload: Buffer.from(z.buffer, z.byteOffset, z.byteLength) });
      series = [];
    };
    for (const p of items) {
      const target = labelsOf(p.targetId);
      // A target deleted since the commit: its samples have nowhere to be attributed.
      if (!target) continue;
      for (const s of p.samples) {
        series.push({ labels: mergeLabels(target, s.metric, s.labels, e.externalLabels), samples: [[Math.trunc(s.ts), s.value]] });
        if (series.length >= e.maxSamplesPerSend) emit();
      }
    }
    emit();
    return out;
  }

  #trim(e: QueueEndpoint, c: EndpointCounters): void {
    while (c.backlogBytes > e.maxBacklogBytes && c.backlogRows > 0) {
      const victims = this.#oldestIds.all(e.name) as Array<{ id: number; samples: number; bytes: number }>;
      if (victims.length === 0) break;
      for (const v of victims) {
        if (c.backlogBytes <= e.maxBacklogBytes) break;
        this.#delete.run(v.id);
        this.#account(c, v);
        c.dropped.backlog_full += v.samples;
      }
    }
  }

  #account(c: EndpointCounters, row: { samples: number; bytes: number }): void {
    c.backlogRows = Math.max(0, c.backlogRows - 1);
    c.backlogSamples = Math.max(0, c.backlogSamples - row.samples);
    c.backlogBytes = Math.max(0, c.backlogBytes - row.bytes);
  }

  oldest(endpoint: string): QueueRow | undefined {
    return this.#oldest.get(endpoint) as QueueRow | undefined;
  }

  /** Removes a sent (or given-up) row; false when the backlog trim already took it. */
  remove(endpoint: string, row: QueueRow): boolean {
    const gone = this.#delete.run(row.id).changes > 0;
    const c = this.#counters.get(endpoint);
    if (gone && c) this.#account(c, row);
    return gone;
  }
}
