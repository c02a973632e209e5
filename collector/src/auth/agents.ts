import type { Database } from 'better-sqlite3';
import { hashSecret, newId, newSecret, safeEqualHex } from './secrets.js';
import type { EnrollmentTokens } from './enrollment-tokens.js';
import type { Targets } from '../targets/targets.js';

export interface EnrollRequest {
  readonly tokenSecret: string;
  readonly hostname: string;
  readonly name?: string;
  readonly site?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AgentIdentity {
  readonly agentId: string;
  readonly targetId: string;
}

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

  /** Exchanges a token for a new agent and credential; undefined when the token is not valid. */
  enroll(req: EnrollRequest): { agentId: string; credential: string; name: string; targetId: string } | undefined {
    return this.#db.transaction(() => {
      const token = this.#tokens.consume(req.tokenSecret);
      if (!token) return undefined;
      // A site-scoped token decides the site; the agent cannot move itself elsewhere.
      const site = token.site ?? req.site ?? null;
      const now = this.#clock();
      const agentId = newId('ag');
      const credential = newSecret(32);
      const name = req.name ?? req.hostname;
      const target = this.#targets.create({ name, kind: 'host', site, labels: { ...req.labels }, agentId, now });
      this.#db
        .prepare('INSERT INTO agents (id, target_id, credential_hash, token_id, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(agentId, target.id, hashSecret(credential), token.id, now);
      return { agentId, credential, name, targetId: target.id };
    })();
  }

  /** Checks a bearer credential; undefined for unknown, wrong or revoked. */
  authenticate(bearer: string): AgentIdentity | undefined {
    const dot = bearer.indexOf('.');
    if (dot <= 0 || bearer.length > 300) return undefined;
    const agentId = bearer.slice(0, dot);
    const secret = bearer.slice(dot + 1);
    const row = this.#db.prepare('SELECT id, target_id, credential_hash, revoked_at FROM agents WHERE id = ?').get(agentId) as
      | { id: string; target_id: string; credential_hash: string; revoked_at: number | null }
      | undefined;
    if (!row || row.revoked_at !== null) return undefined;
    if (!safeEqualHex(row.credential_hash, hashSecret(secret))) return undefined;
    return { agentId: row.id, targetId: row.target_id };
  }

  revoke(agentId: string): boolean {
    return this.#db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.#clock(), agentId).changes > 0;
  }

  recordHello(agentId: string, version: string): void {
    this.#db.prepare('UPDATE agents SET agent_version = ?, last_seen = ? WHERE id = ?').run(version, this.#clock(), agentId);
  }
}
