import type { Database } from 'better-sqlite3';
import { formatEnrollmentToken } from '@hallmonitor/shared';
import { hashSecret, newId, newSecret } from './secrets.js';

export interface TokenSpec {
  readonly site?: string;
  readonly uses?: number;
  readonly expiresMs?: number;
}

export interface TokenRow {
  readonly id: string;
  readonly site: string | null;
  readonly uses_total: number;
  readonly uses_left: number;
  readonly expires_at: number;
  readonly created_at: number;
  readonly revoked_at: number | null;
}

export const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;

/**
 * Enrollment tokens: random, stored only as a hash, expiring, single-use by
 * default (N uses for a lab imaging run), optionally scoped to a site.
 */
export class EnrollmentTokens {
  readonly #db: Database;
  readonly #clock: () => number;

  constructor(db: Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Creates a token; the plain text is returned once and never stored. */
  create(spec: TokenSpec, pin: string | undefined): { id: string; token: string; expiresAt: number } {
    const id = newId('tok');
    const secret = newSecret();
    const now = this.#clock();
    const uses = spec.uses ?? 1;
    const expiresAt = now + (spec.expiresMs ?? DEFAULT_TOKEN_TTL_MS);
    this.#db
      .prepare('INSERT INTO enrollment_tokens (id, secret_hash, site, uses_total, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, hashSecret(secret), spec.site ?? null, uses, uses, expiresAt, now);
    return { id, token: formatEnrollmentToken(secret, pin), expiresAt };
  }

  /**
   * Uses up one use of the token, or returns undefined when it is unknown,
   * expired, revoked or used up (the caller does not learn which: a guesser
   * learns nothing). Must run inside the caller's transaction.
   */
  consume(secret: string): TokenRow | undefined {
    const row = this.#db.prepare('SELECT * FROM enrollment_tokens WHERE secret_hash = ?').get(hashSecret(secret)) as TokenRow | undefined;
    if (!row || row.revoked_at !== null || row.uses_left <= 0 || row.expires_at <= this.#clock()) return undefined;
    this.#db.prepare('UPDATE enrollment_tokens SET uses_left = uses_left - 1 WHERE id = ?').run(row.id);
    return row;
  }

  list(): TokenRow[] {
    return this.#db.prepare('SELECT id, site, uses_total, uses_left, expires_at, created_at, revoked_at FROM enrollment_tokens ORDER BY created_at DESC').all() as TokenRow[];
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), id).changes > 0;
  }
}
