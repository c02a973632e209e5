import type { Database, Statement } from 'better-sqlite3';
import type { GapReason } from '@hallmonitor/shared';

/** A gap an agent reported: batches it dropped (spool cap, age, corruption) and will never send. */
export interface IngestGap {
  readonly agentId: string;
  readonly targetId: string;
  readonly epoch: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly fromTs: number;
  readonly toTs: number;
  readonly droppedSamples: number;
  readonly droppedBatches: number;
  readonly reason: GapReason;
}

export interface StoredGap extends IngestGap {
  readonly receivedAt: number;
}

interface GapRow {
  agent_id: string;
  target_id: string;
  epoch: string;
  from_seq: number;
  to_seq: number;
  from_ts: number;
  to_ts: number;
  dropped_samples: number;
  dropped_batches: number;
  reason: GapReason;
  received_at: number;
}

/** The ingest_gaps table (migration "ingest-gaps"). */
export class GapStore {
  readonly #insert: Statement;
  readonly #byTarget: Statement;

  constructor(db: Database) {
    // Keyed by (agent, epoch, from_seq): a gap resent after a reconnect is stored once.
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO ingest_gaps (agent_id, target_id, epoch, from_seq, to_seq, from_ts, to_ts, dropped_samples, dropped_batches, reason, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byTarget = db.prepare(
      `SELECT * FROM ingest_gaps WHERE target_id = ? AND to_ts >= ? AND from_ts <= ? ORDER BY from_ts, from_seq LIMIT ?`,
    );
  }

  /** Runs inside the caller's transaction. */
  insert(g: IngestGap, receivedAt: number): boolean {
    return this.#insert.run(g.agentId, g.targetId, g.epoch, g.fromSeq, g.toSeq, g.fromTs, g.toTs, g.droppedSamples, g.droppedBatches, g.reason, receivedAt).changes > 0;
  }

  forTarget(targetId: string, fromMs: number, toMs: number, limit = 1000): StoredGap[] {
    return (this.#byTarget.all(targetId, fromMs, toMs, limit) as GapRow[]).map((r) => ({
      agentId: r.agent_id,
      targetId: r.target_id,
      epoch: r.epoch,
      fromSeq: r.from_seq,
      toSeq: r.to_seq,
      fromTs: r.from_ts,
      toTs: r.to_ts,
      droppedSamples: r.dropped_samples,
      droppedBatches: r.dropped_batches,
      reason: r.reason,
      receivedAt: r.received_at,
    }));
  }
}
