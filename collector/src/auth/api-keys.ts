import type { Database } from 'better-sqlite3';
import { hashSecret, newId, newSecret } from './secrets.js';
import { formatSites, parseSites, type Principal } from './principal.js';
import { isRole, roleAllows, type Role } from './roles.js';

/** @deprecated kept for callers of the first API; an API key authenticates to a Principal. */
export type ApiPrincipal = Principal;

export interface ApiKeySpec {
  readonly role: Role;
  readonly name?: string;
  readonly userId?: string | null;
  readonly sites?: readonly string[] | null;
}

export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string | null;
  readonly role: Role;
  readonly userId: string | null;
  readonly sites: readonly string[] | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsed: string | null;
}

interface KeyRow {
  id: string;
  role: string;
  name: string | null;
  user_id: string | null;
  sites: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used: number | null;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/**
 * API keys: `hmk_<secret>`, stored hashed, one role and optional site limit
 * each, revocable. A key may belong to a user: it then dies with the user's
 * account and never grants more than the user has now.
 */
export class ApiKeys {
  readonly #db: Database;
  readonly #clock: () => number;

  constructor(db: Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
  }

  create(roleOrSpec: Role | ApiKeySpec, name?: string): { id: string; key: string } {
    const spec: ApiKeySpec = typeof roleOrSpec === 'string' ? { role: roleOrSpec, ...(name ? { name } : {}) } : roleOrSpec;
    const id = newId('key');
    const key = `hmk_${newSecret()}`;
    this.#db
      .prepare('INSERT INTO api_keys (id, key_hash, role, name, user_id, sites, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, hashSecret(key), spec.role, spec.name ?? null, spec.userId ?? null, formatSites(spec.sites), this.#clock());
    return { id, key };
  }

  authenticate(key: string): Principal | undefined {
    if (!key.startsWith('hmk_') || key.length > 200) return undefined;
    const row = this.#db
      .prepare(
        `SELECT k.id, k.role, k.name, k.user_id, k.sites, k.revoked_at, u.role AS user_role, u.sites AS user_sites, u.disabled_at, u.name AS user_name
         FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?`,
      )
      .get(hashSecret(key)) as
      | (Pick<KeyRow, 'id' | 'role' | 'name' | 'user_id' | 'sites' | 'revoked_at'> & { user_role: string | null; user_sites: string | null; disabled_at: number | null; user_name: string | null })
      | undefined;
    if (!row || row.revoked_at !== null || !isRole(row.role)) return undefined;
    let role: Role = row.role;
    let sites = parseSites(row.sites);
    if (row.user_id !== null) {
      // A user's key is bounded by the user as they are now (demoted, moved, disabled).
      if (row.user_role === null || row.disabled_at !== null || !isRole(row.user_role)) return undefined;
      if (!roleAllows(row.user_role, role)) role = row.user_role;
      const userSites = parseSites(row.user_sites);
      if (userSites !== null) sites = sites === null ? userSites : sites.filter((s) => userSites.includes(s));
    }
    return { kind: 'apikey', id: row.id, name: row.name ?? row.user_name ?? row.id, userId: row.user_id, role, sites };
  }

  get(id: string): ApiKeyInfo | undefined {
    const r = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return r ? info(r) : undefined;
  }

  list(userId?: string): ApiKeyInfo[] {
    const rows = (userId === undefined
      ? this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC').all()
      : this.#db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC').all(userId)) as KeyRow[];
    return rows.map(info);
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), id).changes > 0;
  }
}

function info(r: KeyRow): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    role: isRole(r.role) ? r.role : 'viewer',
    userId: r.user_id,
    sites: parseSites(r.sites),
    createdAt: iso(r.created_at) as string,
    revokedAt: iso(r.revoked_at),
    lastUsed: iso(r.last_used),
  };
}
