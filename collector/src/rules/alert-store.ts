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

  list(filter: AlertFilter, limit = 500): AlertRow[] {
    if (filter === 'all') return this.#db.prepare('SELECT * FROM alerts ORDER BY starts_at DESC LIMIT ?').all(limit) as AlertRow[];
    return this.#db.prepare('SELECT * FROM alerts WHERE status = ? ORDER BY starts_at DESC LIMIT ?').all(filter, limit) as AlertRow[];
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
  };
}
