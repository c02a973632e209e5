import type { Database } from 'better-sqlite3';
import { newId } from '../auth/secrets.js';

/** What a silence matches: every given field must equal the alert's. */
export interface SilenceMatchers {
  readonly rule?: string;
  readonly target?: string;
  readonly site?: string;
  readonly severity?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface Silence {
  readonly id: string;
  readonly matchers: SilenceMatchers;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly author: string;
  readonly comment: string;
  readonly createdAt: number;
  readonly expiredAt: number | null;
}

export interface SilenceSubject {
  readonly rule: string;
  readonly targetId: string;
  readonly targetName: string;
  readonly site: string | null;
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function silenceMatches(s: Pick<Silence, 'matchers'>, a: SilenceSubject): boolean {
  const m = s.matchers;
  if (m.rule !== undefined && m.rule !== a.rule) return false;
  if (m.target !== undefined && m.target !== a.targetId && m.target !== a.targetName) return false;
  if (m.site !== undefined && m.site !== a.site) return false;
  if (m.severity !== undefined && m.severity !== a.severity) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) if (a.labels[k] !== v) return false;
  return true;
}

interface Row {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  author: string;
  comment: string;
  created_at: number;
  expired_at: number | null;
}

const fromRow = (r: Row): Silence => ({
  id: r.id,
  matchers: JSON.parse(r.matchers) as SilenceMatchers,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  author: r.author,
  comment: r.comment,
  createdAt: r.created_at,
  expiredAt: r.expired_at,
});

/** Silences (matchers, start/end, author, comment), kept in SQLite and cached in memory for matching. */
export class SilenceStore {
  readonly #db: Database;
  #active: Silence[] = [];
  #loadedAt = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  create(s: { matchers: SilenceMatchers; startsAt: number; endsAt: number; author: string; comment: string }, now: number): Silence {
    const id = newId('sil');
    this.#db.prepare('INSERT INTO silences (id, matchers, starts_at, ends_at, author, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.author, s.comment, now);
    this.#loadedAt = 0;
    return { id, ...s, createdAt: now, expiredAt: null };
  }

  expire(id: string, now: number): boolean {
    const changed = this.#db.prepare('UPDATE silences SET expired_at = ? WHERE id = ? AND expired_at IS NULL').run(now, id).changes > 0;
    this.#loadedAt = 0;
    return changed;
  }

  list(includeExpired = false): Silence[] {
    const rows = this.#db.prepare(`SELECT * FROM silences ${includeExpired ? '' : 'WHERE expired_at IS NULL'} ORDER BY starts_at DESC LIMIT 1000`).all() as Row[];
    return rows.map(fromRow);
  }

  /**
   * The silence covering this alert now, if any. The in-memory cache refreshes
   * every few seconds, so silences made by the CLI in another process apply too.
   */
  matching(a: SilenceSubject, now: number): Silence | undefined {
    if (now - this.#loadedAt > 2000) {
      this.#active = (this.#db.prepare('SELECT * FROM silences WHERE expired_at IS NULL AND ends_at > ?').all(now) as Row[]).map(fromRow);
      this.#loadedAt = now;
    }
    return this.#active.find((s) => s.startsAt <= now && s.endsAt > now && silenceMatches(s, a));
  }
}
