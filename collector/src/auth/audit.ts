import type { Database } from 'better-sqlite3';

export interface AuditEntry {
  /** Who: `usr_…`/`key_…` principal ids, `cli`, `agent:<id>`, or `anonymous`. */
  readonly actor: string;
  /** Dotted verb such as `token.create`, `agent.revoke`, `enroll.refused`. */
  readonly action: string;
  readonly object?: string | null;
  readonly site?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly ip?: string | null;
}

export interface AuditRow extends AuditEntry {
  readonly id: number;
  readonly at: string;
}

/** Rows kept; older ones are pruned so a flood of refused attempts cannot fill the disk. */
const MAX_ROWS = 100_000;

/**
 * Append-only record of admin actions and security events. Secrets never go
 * in here: tokens, credentials and passwords are referred to by id only.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #clock: () => number;
  #writes = 0;

  constructor(db: Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
  }

  record(e: AuditEntry): void {
    this.#db
      .prepare('INSERT INTO audit_log (at, actor, action, object, site, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.#clock(), e.actor, e.action, e.object ?? null, e.site ?? null, JSON.stringify(e.detail ?? {}), e.ip ?? null);
    if (++this.#writes % 1000 === 0) this.#db.prepare('DELETE FROM audit_log WHERE id <= (SELECT MAX(id) FROM audit_log) - ?').run(MAX_ROWS);
  }

  /** Newest first; `before` pages backwards by id. */
  list(opts: { limit: number; before?: number; action?: string }): AuditRow[] {
    const rows = this.#db
      .prepare('SELECT * FROM audit_log WHERE id < ? AND (? IS NULL OR action = ?) ORDER BY id DESC LIMIT ?')
      .all(opts.before ?? Number.MAX_SAFE_INTEGER, opts.action ?? null, opts.action ?? null, opts.limit) as Array<{
      id: number;
      at: number;
      actor: string;
      action: string;
      object: string | null;
      site: string | null;
      detail: string;
      ip: string | null;
    }>;
    return rows.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, object: r.object, site: r.site, detail: JSON.parse(r.detail) as Record<string, unknown>, ip: r.ip }));
  }
}
