import type { Database } from 'better-sqlite3';
import { newId } from '../auth/secrets.js';
import type { AlertView } from '../notify/notification.js';
import type { Target } from '../targets/targets.js';

export interface AlertRow {
  readonly id: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: string;
  readonly target_id: string;
  readonly metric: string;
  readonly labels: string;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly status: 'firing' | 'resolved';
  readonly starts_at: number;
  readonly ends_at: number | null;
  readonly summary: string;
  readonly acked_at: number | null;
  readonly acked_by: string | null;
  readonly last_notified_at?: number | null;
  readonly muted_reason?: string | null;
}

export interface AlertQuery {
  readonly state?: AlertFilter;
  readonly rule?: string;
  readonly targetId?: string;
  readonly severity?: string;
  /** Alerts that started at or after this time (ms). */
  readonly since?: number;
  readonly limit?: number;
}

export interface PendingRow {
  readonly fingerprint: string;
  readonly rule: string;
  readonly target_id: string;
  readonly metric: string;
  readonly labels: string;
  readonly since: number;
}

export type AlertFilter = 'firing' | 'resolved' | 'all';

/** Alert history in SQLite: one row per firing episode, resolved in place. */
export class AlertStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  insertFiring(a: Omit<AlertRow, 'id' | 'status' | 'ends_at' | 'acked_at' | 'acked_by'>, now: number): AlertRow {
    const row: AlertRow = { ...a, id: newId('al'), status: 'firing', ends_at: null, acked_at: null, acked_by: null };
    this.#db
      .prepare(
        `INSERT INTO alerts (id, fingerprint, rule, severity, target_id, metric, labels, value, threshold, status, starts_at, ends_at, summary, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, NULL, ?, ?)`,
      )
      .run(row.id, row.fingerprint, row.rule, row.severity, row.target_id, row.metric, row.labels, row.value, row.threshold, row.starts_at, row.summary, now);
    return row;
  }

  resolve(fingerprint: string, value: number | null, endsAt: number): AlertRow | undefined {
    const cur = this.#db.prepare("SELECT * FROM alerts WHERE fingerprint = ? AND status = 'firing'").get(fingerprint) as AlertRow | undefined;
    if (!cur) return undefined;
    this.#db.prepare("UPDATE alerts SET status = 'resolved', ends_at = ?, value = ?, updated_at = ? WHERE id = ?").run(endsAt, value, endsAt, cur.id);
    return { ...cur, status: 'resolved', ends_at: endsAt, value };
  }

  firing(): AlertRow[] {
    return this.#db.prepare("SELECT * FROM alerts WHERE status = 'firing'").all() as AlertRow[];
  }

  get(id: string): AlertRow | undefined {
    return this.#db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
  }

  list(q: AlertQuery | AlertFilter = {}): AlertRow[] {
    const query: AlertQuery = typeof q === 'string' ? { state: q } : q;
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (clause: string, value: string | number): void => {
      where.push(clause);
      args.push(value);
    };
    if (query.state && query.state !== 'all') add('status = ?', query.state);
    if (query.rule) add('rule = ?', query.rule);
    if (query.targetId) add('target_id = ?', query.targetId);
    if (query.severity) add('severity = ?', query.severity);
    if (query.since !== undefined) add('starts_at >= ?', query.since);
    args.push(Math.min(query.limit ?? 500, 5000));
    return this.#db.prepare(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at DESC LIMIT ?`).all(...args) as AlertRow[];
  }

  markNotified(id: string, at: number): void {
    this.#db.prepare('UPDATE alerts SET last_notified_at = ?, muted_reason = NULL WHERE id = ?').run(at, id);
  }

  markMuted(id: string, reason: string | null): void {
    this.#db.prepare('UPDATE alerts SET muted_reason = ? WHERE id = ?').run(reason, id);
  }

  /** Firing, unacknowledged alerts that are due a repeat or were held back and never sent. */
  dueForRenotify(now: number, repeatMs: number): AlertRow[] {
    return this.#db
      .prepare("SELECT * FROM alerts WHERE status = 'firing' AND acked_at IS NULL AND (last_notified_at IS NULL OR last_notified_at + ? <= ?)")
      .all(repeatMs, now) as AlertRow[];
  }

  savePending(p: PendingRow): void {
    this.#db.prepare('INSERT OR REPLACE INTO alert_pending (fingerprint, rule, target_id, metric, labels, since) VALUES (?, ?, ?, ?, ?, ?)').run(p.fingerprint, p.rule, p.target_id, p.metric, p.labels, p.since);
  }

  deletePending(fingerprint: string): void {
    this.#db.prepare('DELETE FROM alert_pending WHERE fingerprint = ?').run(fingerprint);
  }

  pending(): PendingRow[] {
    return this.#db.prepare('SELECT * FROM alert_pending').all() as PendingRow[];
  }

  ack(id: string, by: string, at: number): boolean {
    return this.#db.prepare("UPDATE alerts SET acked_at = ?, acked_by = ?, updated_at = ? WHERE id = ? AND status = 'firing' AND acked_at IS NULL").run(at, by, at, id).changes > 0;
  }
}

export function alertView(row: AlertRow, target: Pick<Target, 'id' | 'name' | 'kind' | 'site'> | undefined, baseUrl: string): AlertView {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    status: row.status,
    rule: row.rule,
    severity: row.severity,
    target: target ? { id: target.id, name: target.name, kind: target.kind, site: target.site } : { id: row.target_id, name: row.target_id, kind: 'unknown', site: null },
    metric: row.metric,
    labels: JSON.parse(row.labels) as Record<string, string>,
    value: row.value,
    threshold: row.threshold,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: row.ends_at === null ? null : new Date(row.ends_at).toISOString(),
    summary: row.summary,
    url: `${baseUrl.replace(/\/$/, '')}/hosts/${encodeURIComponent(row.target_id)}`,
    acknowledged: row.acked_at === null ? null : { at: new Date(row.acked_at).toISOString(), by: row.acked_by },
    muted: row.muted_reason ?? null,
  };
}
