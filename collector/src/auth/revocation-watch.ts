import { CLOSE_CODES } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import type { AgentIdentity, Agents } from './agents.js';

export interface LiveSessions {
  connectedIdentities(): AgentIdentity[];
  disconnect(agentId: string, code: number, reason: string): void;
}

/**
 * Closes live sockets of agents that were revoked or replaced — also when the
 * CLI did it from another process, which this process cannot be told about
 * directly. Polling one `meta` row every second is a single indexed read; a
 * change re-checks only the agents that are connected.
 */
export class RevocationWatch {
  readonly #agents: Agents;
  readonly #sessions: LiveSessions;
  readonly #onChange: () => void;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #seen: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: { agents: Agents; sessions: LiveSessions; logger: Logger; intervalMs?: number; onChange?: () => void }) {
    this.#agents = opts.agents;
    this.#sessions = opts.sessions;
    this.#onChange = opts.onChange ?? ((): void => undefined);
    this.#log = opts.logger.child({ module: 'revocation' });
    this.#intervalMs = opts.intervalMs ?? 1000;
    this.#seen = this.#agents.generation();
  }

  start(): void {
    this.#timer ??= setInterval(() => this.check(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Runs one check now (the API calls it right after a revoke). */
  check(): void {
    let gen: number;
    try {
      gen = this.#agents.generation();
    } catch (err) {
      // Database busy or closing: the next tick tries again.
      this.#log.debug({ err: (err as Error).message }, 'revocation check skipped');
      return;
    }
    if (gen === this.#seen) return;
    this.#seen = gen;
    this.#onChange();
    for (const id of this.#sessions.connectedIdentities()) {
      const row = this.#agents.get(id.agentId);
      if (!row || row.revoked_at !== null) {
        this.#log.warn({ agentId: id.agentId, replacedBy: row?.replaced_by ?? undefined }, 'closing the live socket of a revoked agent');
        this.#sessions.disconnect(id.agentId, CLOSE_CODES.revoked, row?.replaced_by ? `HM_REVOKED: replaced by ${row.replaced_by}` : 'HM_REVOKED: this agent was revoked');
      } else if (row.target_id !== id.targetId) {
        // It took over another target: reconnecting picks up the new identity.
        this.#sessions.disconnect(id.agentId, CLOSE_CODES.goingAway, 'identity changed (replacement); reconnect');
      }
    }
  }
}
