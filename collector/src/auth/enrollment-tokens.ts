import type { Database } from 'better-sqlite3';
import { formatEnrollmentToken } from '@hallmonitor/shared';
import { addressInCidr } from '../security/cidr.js';
import { hashSecret, newId, newSecret } from './secrets.js';

export interface TokenSpec {
  readonly site?: string;
  readonly uses?: number;
  readonly expiresMs?: number;
  /** Only clients inside this CIDR may enroll with the token (a lab's subnet). */
  readonly network?: string;
  readonly createdBy?: string;
}

export interface TokenRow {
  readonly id: string;
  readonly site: string | null;
  readonly network: string | null;
  readonly uses_total: number;
  readonly uses_left: number;
  readonly expires_at: number;
  readonly created_at: number;
  readonly revoked_at: number | null;
  readonly created_by: string | null;
}

/** Why a token was refused; logged and audited, never told to the client. */
export type TokenRefusal = 'unknown' | 'revoked' | 'used_up' | 'expired' | 'wrong_network' | 'wrong_site';

export type ConsumeResult = { readonly ok: true; readonly token: TokenRow } | { readonly ok: false; readonly reason: TokenRefusal; readonly tokenId?: string };

export interface TokenView {
  readonly id: string;
  readonly site: string | null;
  readonly network: string | null;
  readonly uses: number;
  readonly usesLeft: number;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly state: 'active' | 'expired' | 'used_up' | 'revoked';
}

export const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;

/**
 * Enrollment tokens: random, stored only as a hash, expiring, single-use by
 * default (N uses for a lab imaging run), optionally scoped to a site and to a
 * source network.
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
      .prepare('INSERT INTO enrollment_tokens (id, secret_hash, site, network, uses_total, uses_left, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, hashSecret(secret), spec.site ?? null, spec.network ?? null, uses, uses, expiresAt, now, spec.createdBy ?? null);
    return { id, token: formatEnrollmentToken(secret, pin), expiresAt };
  }

  /**
   * Uses up one use of the token, or says why not (unknown, expired, revoked,
   * used up, the client is outside the token's network or asks for another
   * site). The HTTP answer is
   * the same for every refusal, so a guesser learns nothing. Must run inside
   * the caller's transaction.
   */
  consume(secret: string, client: { readonly address?: string; readonly site?: string } = {}): ConsumeResult {
    const row = this.#db.prepare('SELECT * FROM enrollment_tokens WHERE secret_hash = ?').get(hashSecret(secret)) as TokenRow | undefined;
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked', tokenId: row.id };
    if (row.expires_at <= this.#clock()) return { ok: false, reason: 'expired', tokenId: row.id };
    if (row.uses_left <= 0) return { ok: false, reason: 'used_up', tokenId: row.id };
    // Checked before a use is spent: a stranger off the lab network cannot burn the lab's token.
    if (row.network !== null && (client.address === undefined || !addressInCidr(client.address, row.network))) return { ok: false, reason: 'wrong_network', tokenId: row.id };
    // A site-scoped token decides the site; an agent asking for another one is refused, not moved.
    if (row.site !== null && client.site !== undefined && client.site !== row.site) return { ok: false, reason: 'wrong_site', tokenId: row.id };
    this.#db.prepare('UPDATE enrollment_tokens SET uses_left = uses_left - 1 WHERE id = ?').run(row.id);
    return { ok: true, token: row };
  }

  get(id: string): TokenView | undefined {
    const r = this.#db.prepare('SELECT * FROM enrollment_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return r ? this.#view(r) : undefined;
  }

  list(): TokenView[] {
    return (this.#db.prepare('SELECT * FROM enrollment_tokens ORDER BY created_at DESC').all() as TokenRow[]).map((r) => this.#view(r));
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), id).changes > 0;
  }

  #view(r: TokenRow): TokenView {
    const state = r.revoked_at !== null ? 'revoked' : r.expires_at <= this.#clock() ? 'expired' : r.uses_left <= 0 ? 'used_up' : 'active';
    return {
      id: r.id,
      site: r.site,
      network: r.network,
      uses: r.uses_total,
      usesLeft: r.uses_left,
      expiresAt: new Date(r.expires_at).toISOString(),
      createdAt: new Date(r.created_at).toISOString(),
      revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
      state,
    };
  }
}
