import type { Database } from 'better-sqlite3';
import { hashSecret, newId, newSecret } from './secrets.js';
import { isRole, type Role } from './roles.js';

export interface ApiPrincipal {
  readonly id: string;
  readonly role: Role;
}

/** API keys: `hmk_<secret>`, stored hashed, one role each, revocable. */
export class ApiKeys {
  readonly #db: Database;
  readonly #clock: () => number;

  constructor(db: Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
  }

  create(role: Role, name?: string): { id: string; key: string } {
    const id = newId('key');
    const key = `hmk_${newSecret()}`;
    this.#db.prepare('INSERT INTO api_keys (id, key_hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)').run(id, hashSecret(key), role, name ?? null, this.#clock());
    return { id, key };
  }

  authenticate(key: string): ApiPrincipal | undefined {
    if (!key.startsWith('hmk_') || key.length > 200) return undefined;
    const row = this.#db.prepare('SELECT id, role, revoked_at FROM api_keys WHERE key_hash = ?').get(hashSecret(key)) as
      | { id: string; role: string; revoked_at: number | null }
      | undefined;
    if (!row || row.revoked_at !== null || !isRole(row.role)) return undefined;
    return { id: row.id, role: row.role };
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), id).changes > 0;
  }
}
