import type { Database } from 'better-sqlite3';
import { hashSecret, newId, newSecret, safeEqualHex } from './secrets.js';
import type { EnrollmentTokens, TokenRefusal } from './enrollment-tokens.js';
import type { Targets } from '../targets/targets.js';

export interface EnrollRequest {
  readonly tokenSecret: string;
  readonly hostname: string;
  readonly name?: string;
  readonly site?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The enrolling client's address, for network-limited tokens. */
  readonly clientAddress?: string;
}

export interface AgentIdentity {
  readonly agentId: string;
  readonly targetId: string;
}

export type EnrollResult =
  | { readonly ok: true; readonly agentId: string; readonly credential: string; readonly name: string; readonly targetId: string; readonly site: string | null; readonly tokenId: string }
  | { readonly ok: false; readonly reason: TokenRefusal; readonly tokenId?: string };

export interface AgentRow {
  readonly id: string;
  readonly target_id: string;
  readonly token_id: string | null;
  readonly created_at: number;
  readonly revoked_at: number | null;
  readonly last_seen: number | null;
  readonly agent_version: string | null;
  readonly replaced_by: string | null;
}

/** `meta` key bumped on every revoke/replace, so a serving process sees CLI changes. */
const GENERATION_KEY = 'agents_generation';

/**
 * Agents and their credentials. An agent's identity comes only from its
 * credential (`<agentId>.<secret>` presented at the WebSocket upgrade),
 * never from what it writes in a payload.
 */
export class Agents {
  readonly #db: Database;
  readonly #tokens: EnrollmentTokens;
  readonly #targets: Targets;
  readonly #clock: () => number;

  constructor(db: Database, tokens: EnrollmentTokens, targets: Targets, clock: () => number = Date.now) {
    this.#db = db;
    this.#tokens = tokens;
    this.#targets = targets;
    this.#clock = clock;
  }

  /** Exchanges a token for a new agent and credential, or says why it cannot. */
  enroll(req: EnrollRequest): EnrollResult {
    return this.#db.transaction((): EnrollResult => {
      const used = this.#tokens.consume(req.tokenSecret, { ...(req.clientAddress ? { address: req.clientAddress } : {}), ...(req.site ? { site: req.site } : {}) });
      if (!used.ok) return { ok: false, reason: used.reason, ...(used.tokenId ? { tokenId: used.tokenId } : {}) };
      const token = used.token;
      const site = token.site ?? req.site ?? null;
      const now = this.#clock();
      const agentId = newId('ag');
      const credential = newSecret(32);
      const name = req.name ?? req.hostname;
      const target = this.#targets.create({ name, kind: 'host', site, labels: { ...req.labels }, agentId, now });
      this.#db
        .prepare('INSERT INTO agents (id, target_id, credential_hash, token_id, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(agentId, target.id, hashSecret(credential), token.id, now);
      return { ok: true, agentId, credential, name, targetId: target.id, site, tokenId: token.id };
    })();
  }

  /**
   * Checks a bearer credential; undefined for unknown, wrong or revoked. The
   * credential being rotated to is accepted too, and its first use completes
   * the rotation (the old one stops working).
   */
  authenticate(bearer: string): AgentIdentity | undefined {
    const dot = bearer.indexOf('.');
    if (dot <= 0 || bearer.length > 300) return undefined;
    const agentId = bearer.slice(0, dot);
    const hash = hashSecret(bearer.slice(dot + 1));
    const row = this.#db.prepare('SELECT id, target_id, credential_hash, next_credential_hash, revoked_at FROM agents WHERE id = ?').get(agentId) as
      | { id: string; target_id: string; credential_hash: string; next_credential_hash: string | null; revoked_at: number | null }
      | undefined;
    if (!row || row.revoked_at !== null) return undefined;
    if (safeEqualHex(row.credential_hash, hash)) return { agentId: row.id, targetId: row.target_id };
    if (row.next_credential_hash !== null && safeEqualHex(row.next_credential_hash, hash)) {
      this.#db.prepare('UPDATE agents SET credential_hash = next_credential_hash, next_credential_hash = NULL WHERE id = ?').run(row.id);
      return { agentId: row.id, targetId: row.target_id };
    }
    return undefined;
  }

  /**
   * Issues a new credential for an authenticated agent. Until the agent first
   * uses it, the current one keeps working, so a lost answer cannot lock the
   * agent out; asking again replaces the pending one.
   */
  rotate(agentId: string): string | undefined {
    const credential = newSecret(32);
    const changed = this.#db.prepare('UPDATE agents SET next_credential_hash = ? WHERE id = ? AND revoked_at IS NULL').run(hashSecret(credential), agentId).changes;
    return changed > 0 ? credential : undefined;
  }

  get(agentId: string): AgentRow | undefined {
    return this.#db.prepare('SELECT id, target_id, token_id, created_at, revoked_at, last_seen, agent_version, replaced_by FROM agents WHERE id = ?').get(agentId) as AgentRow | undefined;
  }

  list(): AgentRow[] {
    return this.#db.prepare('SELECT id, target_id, token_id, created_at, revoked_at, last_seen, agent_version, replaced_by FROM agents ORDER BY created_at').all() as AgentRow[];
  }

  revoke(agentId: string): boolean {
    return this.#db.transaction(() => {
      const changed = this.#db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), agentId).changes > 0;
      if (changed) this.#bump();
      return changed;
    })();
  }

  /**
   * A reimaged PC enrolled again as `newId`; it takes over the old agent's
   * target (id, name, series, alerts, history) and the old agent is revoked.
   * The new agent's own fresh target is retired (marked replaced by the old
   * one). Returns the problem as text when the pair cannot be merged.
   */
  replace(oldId: string, newIdValue: string): string | undefined {
    return this.#db.transaction((): string | undefined => {
      const prev = this.get(oldId);
      const next = this.get(newIdValue);
      if (!prev || !next) return 'no such agent';
      if (oldId === newIdValue) return 'an agent cannot replace itself';
      if (next.revoked_at !== null) return `agent ${newIdValue} is revoked`;
      if (prev.replaced_by !== null) return `agent ${oldId} was already replaced by ${prev.replaced_by}`;
      if (next.target_id === prev.target_id) return `agent ${newIdValue} already reports as ${oldId}'s target`;
      const oldSite = this.#db.prepare('SELECT site FROM targets WHERE id = ?').pluck().get(prev.target_id) as string | null;
      const newSite = this.#db.prepare('SELECT site FROM targets WHERE id = ?').pluck().get(next.target_id) as string | null;
      if (oldSite !== newSite) return `the agents belong to different sites (${oldSite ?? 'none'} and ${newSite ?? 'none'})`;
      const now = this.#clock();
      this.#db.prepare('UPDATE agents SET revoked_at = COALESCE(revoked_at, ?), replaced_by = ? WHERE id = ?').run(now, newIdValue, oldId);
      this.#db.prepare('UPDATE agents SET target_id = ? WHERE id = ?').run(prev.target_id, newIdValue);
      this.#db.prepare('UPDATE targets SET replaced_by = ? WHERE id = ?').run(prev.target_id, next.target_id);
      this.#db.prepare('UPDATE targets SET agent_id = ? WHERE id = ?').run(newIdValue, prev.target_id);
      this.#bump();
      return undefined;
    })();
  }

  /** Changes whenever any agent is revoked or replaced, from this process or another. */
  generation(): number {
    const v = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(GENERATION_KEY) as string | undefined;
    return v === undefined ? 0 : Number(v);
  }

  recordHello(agentId: string, version: string): void {
    this.#db.prepare('UPDATE agents SET agent_version = ?, last_seen = ? WHERE id = ?').run(version, this.#clock(), agentId);
  }

  #bump(): void {
    this.#db
      .prepare("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
      .run(GENERATION_KEY);
  }
}
