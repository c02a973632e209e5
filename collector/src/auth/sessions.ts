import type { Database } from 'better-sqlite3';
import { hashSecret, newSecret, safeEqualHex } from './secrets.js';
import type { User, Users } from './users.js';

export const SESSION_TTL_MS = 12 * 3_600_000;

export interface SessionInfo {
  readonly user: User;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

/**
 * Dashboard sessions. The cookie holds a random id; the database only its
 * hash, so a copy of the database cannot be replayed as a login. Each session
 * has its own CSRF token (a synchronizer token: the server compares, not the
 * browser), given to the dashboard at login and required on every change.
 * Sessions end after 12 h, on logout, on password change and when the user is
 * disabled.
 */
export class Sessions {
  readonly #db: Database;
  readonly #users: Users;
  readonly #clock: () => number;

  constructor(db: Database, users: Users, clock: () => number = Date.now) {
    this.#db = db;
    this.#users = users;
    this.#clock = clock;
  }

  create(userId: string): { sessionId: string; csrfToken: string; expiresAt: number } {
    const sessionId = newSecret(32);
    const csrfToken = newSecret(24);
    const now = this.#clock();
    const expiresAt = now + SESSION_TTL_MS;
    this.#db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
    this.#db.prepare('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(hashSecret(sessionId), userId, csrfToken, now, expiresAt);
    return { sessionId, csrfToken, expiresAt };
  }

  authenticate(sessionId: string): SessionInfo | undefined {
    if (sessionId.length < 20 || sessionId.length > 100) return undefined;
    const row = this.#db.prepare('SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = ?').get(hashSecret(sessionId)) as
      | { user_id: string; csrf_token: string; expires_at: number }
      | undefined;
    if (!row || row.expires_at <= this.#clock()) return undefined;
    const user = this.#users.get(row.user_id);
    if (!user || user.disabledAt !== null) return undefined;
    return { user, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  end(sessionId: string): void {
    this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashSecret(sessionId));
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (!presented || presented.length > 200) return false;
  return safeEqualHex(hashSecret(presented), hashSecret(expected));
}
