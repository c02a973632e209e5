import type { Database, Statement } from 'better-sqlite3';

/**
 * Per (agent, epoch): `seq` is the contiguous high-water mark — every sequence
 * up to it is stored or settled by a gap — and ingest_received_above holds the
 * ranges stored beyond a hole. A protocol-2 agent sends a freshly collected
 * batch ahead of its draining backlog; it is stored at once, but the ack (and
 * the welcome's highWaterSeq) only ever name the contiguous prefix, so "ack =
 * everything ≤ seq stored" stays true and nothing below a hole is mistaken for
 * a replay.
 */
export class HighWater {
  readonly #get: Statement;
  readonly #set: Statement;
  readonly #covering: Statement;
  readonly #addAbove: Statement;
  readonly #firstAbove: Statement;
  readonly #dropAbove: Statement;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT seq FROM ingest_high_water WHERE agent_id = ? AND epoch = ?');
    this.#set = db.prepare(
      'INSERT INTO ingest_high_water (agent_id, epoch, seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, epoch) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at',
    );
    this.#covering = db.prepare('SELECT to_seq FROM ingest_received_above WHERE agent_id = ? AND epoch = ? AND from_seq <= ? ORDER BY from_seq DESC LIMIT 1');
    this.#addAbove = db.prepare('INSERT INTO ingest_received_above (agent_id, epoch, from_seq, to_seq) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, epoch, from_seq) DO UPDATE SET to_seq = max(to_seq, excluded.to_seq)');
    this.#firstAbove = db.prepare('SELECT from_seq, to_seq FROM ingest_received_above WHERE agent_id = ? AND epoch = ? AND from_seq <= ? ORDER BY from_seq LIMIT 1');
    this.#dropAbove = db.prepare('DELETE FROM ingest_received_above WHERE agent_id = ? AND epoch = ? AND from_seq = ?');
  }

  get(agentId: string, epoch: string): number {
    return (this.#get.get(agentId, epoch) as { seq: number } | undefined)?.seq ?? 0;
  }

  /** True when `seq` was already stored or settled (a replay). */
  has(agentId: string, epoch: string, seq: number, hw: number): boolean {
    if (seq <= hw) return true;
    const row = this.#covering.get(agentId, epoch, seq) as { to_seq: number } | undefined;
    return row !== undefined && row.to_seq >= seq;
  }

  /**
   * Marks from..to settled and returns the new contiguous mark. With `fillHoles`
   * (protocol-1 agents, which never report gaps) the mark jumps to `to` as it
   * always did. Runs inside the caller's transaction.
   */
  settle(agentId: string, epoch: string, from: number, to: number, hw: number, fillHoles: boolean, now: number): number {
    let mark = hw;
    if (fillHoles || from <= mark + 1) mark = Math.max(mark, to);
    else this.#addAbove.run(agentId, epoch, from, to);
    for (;;) {
      const next = this.#firstAbove.get(agentId, epoch, mark + 1) as { from_seq: number; to_seq: number } | undefined;
      if (!next) break;
      mark = Math.max(mark, next.to_seq);
      this.#dropAbove.run(agentId, epoch, next.from_seq);
    }
    if (mark !== hw) this.#set.run(agentId, epoch, mark, now);
    return mark;
  }
}
