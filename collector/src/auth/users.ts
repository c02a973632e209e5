import type { Database } from 'better-sqlite3';
import { CollectorError } from '../errors.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { formatSites, parseSites } from './principal.js';
import { isRole, type Role } from './roles.js';
import { newId } from './secrets.js';

export interface User {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[] | null;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

interface UserRow {
  id: string;
  name: string;
  password_hash: string;
  role: string;
  sites: string | null;
  created_at: number;
  disabled_at: number | null;
}

function fromRow(r: UserRow): User {
  return { id: r.id, name: r.name, role: isRole(r.role) ? r.role : 'viewer', sites: parseSites(r.sites), createdAt: r.created_at, disabledAt: r.disabled_at };
}

export const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$';

/** Dashboard and API users. There is no default account: the first admin comes from the CLI. */
export class Users {
  readonly #db: Database;
  readonly #clock: () => number;

  constructor(db: Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(spec: { name: string; password: string; role: Role; sites?: readonly string[] | null }): Promise<User> {
    if (!new RegExp(USER_NAME_PATTERN).test(spec.name)) throw new CollectorError('HM_BAD_REQUEST', 'name: letters, digits and _.@- only, at most 64');
    const problem = passwordProblem(spec.password);
    if (problem) throw new CollectorError('HM_BAD_REQUEST', problem);
    if (this.byName(spec.name)) throw new CollectorError('HM_CONFLICT', `a user named ${spec.name} exists`);
    const hash = await hashPassword(spec.password);
    const id = newId('usr');
    this.#db
      .prepare('INSERT INTO users (id, name, password_hash, role, sites, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, spec.name, hash, spec.role, formatSites(spec.sites ?? null), this.#clock());
    return this.get(id) as User;
  }

  get(id: string): User | undefined {
    const r = this.#db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  byName(name: string): User | undefined {
    const r = this.#db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): User[] {
    return (this.#db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(fromRow);
  }

  /** The user when name and password match an enabled account; equal work either way. */
  async verify(name: string, password: string): Promise<User | undefined> {
    const r = this.#db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    const ok = await verifyPassword(password, r?.password_hash ?? (await dummyHash()));
    return r && ok && r.disabled_at === null ? fromRow(r) : undefined;
  }

  /** Disables the account, ends its sessions and revokes its API keys. */
  disable(id: string): boolean {
    return this.#db.transaction(() => {
      const now = this.#clock();
      const changed = this.#db.prepare('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL').run(now, id).changes > 0;
      this.#db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
      this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, id);
      return changed;
    })();
  }

  async setPassword(id: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new CollectorError('HM_BAD_REQUEST', problem);
    const hash = await hashPassword(password);
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id);
      // A password change is how a user ends a session someone else stole.
      this.#db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
    })();
  }

  update(id: string, change: { role?: Role; sites?: readonly string[] | null }): User | undefined {
    if (change.role !== undefined) this.#db.prepare('UPDATE users SET role = ? WHERE id = ?').run(change.role, id);
    if (change.sites !== undefined) this.#db.prepare('UPDATE users SET sites = ? WHERE id = ?').run(formatSites(change.sites), id);
    return this.get(id);
  }
}
