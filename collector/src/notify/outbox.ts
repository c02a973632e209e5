import type { Database, Statement } from 'better-sqlite3';
import { newId } from '../auth/secrets.js';
import type { Notification } from './notification.js';

export interface OutboxRow {
  readonly id: number;
  readonly delivery_id: string;
  readonly notifier: string;
  readonly payload: string;
  readonly attempts: number;
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly next_attempt_at: number;
  readonly created_at: number;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly delivered_at: number | null;
}

/**
 * The transactional outbox: a notification is written in the same transaction
 * as the alert change that caused it, and a worker delivers it afterwards. A
 * crash between the two loses nothing; at worst a delivery is repeated with the
 * same delivery id.
 */
export class Outbox {
  readonly #db: Database;
  readonly #insert: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO outbox (delivery_id, notifier, alert_ids, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Must run inside the transaction that changed the alert. */
  enqueue(notifier: string, notification: Notification, now: number): string {
    const deliveryId = newId('msg', 12);
    this.#insert.run(deliveryId, notifier, JSON.stringify(notification.alerts.map((a) => a.id)), JSON.stringify(notification), now, now);
    return deliveryId;
  }

  due(now: number, limit = 50): OutboxRow[] {
    return this.#db.prepare("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?").all(now, limit) as OutboxRow[];
  }

  nextDueAt(): number | undefined {
    const row = this.#db.prepare("SELECT min(next_attempt_at) AS t FROM outbox WHERE state = 'pending'").get() as { t: number | null };
    return row.t ?? undefined;
  }

  recordAttempt(id: number, at: number, result: { status?: number; error?: string; durationMs: number }, next: { state: OutboxRow['state']; nextAttemptAt?: number }): void {
    this.#db.transaction(() => {
      this.#db.prepare('INSERT INTO delivery_attempts (outbox_id, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?)').run(id, at, result.status ?? null, result.error ?? null, result.durationMs);
      this.#db
        .prepare('UPDATE outbox SET attempts = attempts + 1, state = ?, next_attempt_at = coalesce(?, next_attempt_at), last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?')
        .run(next.state, next.nextAttemptAt ?? null, result.status ?? null, result.error ?? null, next.state === 'delivered' ? at : null, id);
    })();
  }

  /** A notifier whose endpoint answered 410 stays off until its URL changes or an admin re-enables it. */
  disable(notifier: string, url: string, now: number): void {
    this.#db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(`notifier_disabled:${notifier}`, JSON.stringify({ url, at: now }));
  }

  enable(notifier: string): boolean {
    return this.#db.prepare('DELETE FROM meta WHERE key = ?').run(`notifier_disabled:${notifier}`).changes > 0;
  }

  isDisabled(notifier: string, currentUrl?: string): boolean {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(`notifier_disabled:${notifier}`) as { value: string } | undefined;
    if (!row) return false;
    if (currentUrl !== undefined && (JSON.parse(row.value) as { url: string }).url !== currentUrl) {
      this.enable(notifier); // the URL was fixed in config: try again
      return false;
    }
    return true;
  }

  list(limit = 100): OutboxRow[] {
    return this.#db.prepare('SELECT * FROM outbox ORDER BY id DESC LIMIT ?').all(limit) as OutboxRow[];
  }

  attempts(outboxId: number): Array<{ at: number; status: number | null; error: string | null; duration_ms: number }> {
    return this.#db.prepare('SELECT at, status, error, duration_ms FROM delivery_attempts WHERE outbox_id = ? ORDER BY id').all(outboxId) as Array<{ at: number; status: number | null; error: string | null; duration_ms: number }>;
  }
}
