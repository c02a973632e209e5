import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { SampleStore, StoredSample } from '../storage/sample-store.js';
import type { Targets } from '../targets/targets.js';

export interface PendingBatch {
  readonly agentId: string;
  readonly targetId: string;
  readonly epoch: string;
  readonly seq: number;
  readonly samples: readonly StoredSample[];
}

export type CommitOutcome = { ok: true; stored: boolean } | { ok: false; error: Error };

/**
 * Group commit: batches that arrive close together (from many agents) are
 * written in one transaction, so one fsync covers them all, and each is acked
 * only after that commit returned. A batch at or below its agent's high-water
 * mark is a replay: acknowledged, not stored again.
 */
export class GroupCommitter {
  readonly #db: Database;
  readonly #store: SampleStore;
  readonly #targets: Targets;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #getHw: Statement;
  readonly #setHw: Statement;
  #queue: Array<{ batch: PendingBatch; done: (o: CommitOutcome) => void }> = [];
  #scheduled = false;
  /** Called after a commit with the batches that were newly stored. */
  onCommitted: (batches: readonly PendingBatch[]) => void = () => {};

  constructor(db: Database, store: SampleStore, targets: Targets, logger: Logger, clock: () => number = Date.now) {
    this.#db = db;
    this.#store = store;
    this.#targets = targets;
    this.#log = logger.child({ module: 'ingest' });
    this.#clock = clock;
    this.#getHw = db.prepare('SELECT seq FROM ingest_high_water WHERE agent_id = ? AND epoch = ?');
    this.#setHw = db.prepare(
      'INSERT INTO ingest_high_water (agent_id, epoch, seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, epoch) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at',
    );
  }

  highWater(agentId: string, epoch: string): number {
    const row = this.#getHw.get(agentId, epoch) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  submit(batch: PendingBatch): Promise<CommitOutcome> {
    return new Promise((resolve) => {
      this.#queue.push({ batch, done: resolve });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate lets every message already read from sockets join this commit.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const items = this.#queue;
    this.#queue = [];
    if (items.length === 0) return;
    const now = this.#clock();
    const storedFlags: boolean[] = [];
    try {
      this.#db.transaction(() => {
        for (const { batch } of items) {
          const hw = this.highWater(batch.agentId, batch.epoch);
          if (batch.seq <= hw) {
            storedFlags.push(false);
            continue;
          }
          this.#store.append(batch.targetId, batch.samples);
          this.#setHw.run(batch.agentId, batch.epoch, batch.seq, now);
          this.#targets.touch(batch.targetId, now);
          storedFlags.push(true);
        }
      })();
    } catch (err) {
      this.#log.error({ err: (err as Error).message, batches: items.length }, 'ingest commit failed; nothing acknowledged');
      for (const it of items) it.done({ ok: false, error: err as Error });
      return;
    }
    const stored: PendingBatch[] = [];
    items.forEach((it, i) => {
      const s = storedFlags[i] === true;
      if (s) stored.push(it.batch);
      it.done({ ok: true, stored: s });
    });
    if (stored.length) this.onCommitted(stored);
  }
}
