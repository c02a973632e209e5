import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, WIRE_LIMITS, type AgentSettings, type HelloMessage, type TargetsMessage } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { AgentIdentity, Agents } from '../auth/agents.js';
import { originAllowed } from '../security/origin.js';
import { AgentSession, type SessionDeps } from './agent-session.js';
import type { GroupCommitter } from './group-commit.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './limits.js';

export const INGEST_PATH = '/api/v1/agent/ws';

export interface IngestServerOptions {
  readonly agents: Agents;
  readonly committer: GroupCommitter;
  readonly logger: Logger;
  readonly settings: (identity: AgentIdentity) => AgentSettings;
  readonly onHello: (identity: AgentIdentity, hello: HelloMessage) => void;
  readonly onTargets?: (identity: AgentIdentity, msg: TargetsMessage) => void;
  readonly resolveTarget?: (identity: AgentIdentity, key: string) => string | undefined;
  readonly limits?: Partial<IngestLimits>;
}

/** An error listener shared by every socket (a closure per socket was one more object per connection). */
function destroySocket(this: Duplex): void {
  this.destroy();
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * Agent WebSocket ingest. Authentication happens in the HTTP upgrade, before a
 * single WebSocket message is read; compression is off (compression bombs) and
 * messages are capped at the wire limit.
 */
export class IngestServer {
  readonly #o: IngestServerOptions;
  readonly #log: Logger;
  readonly #limits: IngestLimits;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, AgentSession>();
  /** What every session needs, shared: one object, not one per connection. */
  readonly #sessionDeps: SessionDeps;
  readonly #perIp = new Map<string, number>();
  /** One timer for every connection's hello timeout and keep-alive (`AgentSession.sweep`), not one or two per connection. */
  readonly #sweep: NodeJS.Timeout;

  constructor(opts: IngestServerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'ingest' });
    this.#limits = { ...DEFAULT_INGEST_LIMITS, ...opts.limits };
    this.#sessionDeps = {
      committer: opts.committer,
      limits: this.#limits,
      logger: this.#log,
      settings: opts.settings,
      onHello: opts.onHello,
      ...(opts.onTargets ? { onTargets: opts.onTargets } : {}),
      ...(opts.resolveTarget ? { resolveTarget: opts.resolveTarget } : {}),
      onClose: (s) => {
        if (this.#sessions.get(s.identity.agentId) === s) this.#sessions.delete(s.identity.agentId);
      },
    };
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: WIRE_LIMITS.maxMessageBytes, clientTracking: false });
    const every = Math.max(50, Math.min(1000, this.#limits.helloTimeoutMs / 4, this.#limits.pingIntervalMs / 4));
    this.#sweep = setInterval(() => {
      const now = Date.now();
      for (const s of this.#sessions.values()) s.sweep(now);
    }, every);
    this.#sweep.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  get connectedAgents(): number {
    return this.#sessions.size;
  }

  isConnected(agentId: string): boolean {
    return this.#sessions.has(agentId);
  }

  /** Who is connected now (the revocation watch checks them against the database). */
  connectedIdentities(): AgentIdentity[] {
    return [...this.#sessions.values()].map((s) => s.identity);
  }

  /** Sends fresh settings to every connected agent (after a config reload). */
  pushSettings(): void {
    for (const session of this.#sessions.values()) session.sendSettings(this.#o.settings(session.identity));
  }

  /** Closes a revoked agent's live socket at once. */
  disconnect(agentId: string, code: number, reason: string): void {
    this.#sessions.get(agentId)?.close(code, reason);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const s of this.#sessions.values()) s.close(CLOSE_CODES.goingAway, 'collector shutting down');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroySocket);
    const path = (req.url ?? '').split('?')[0];
    if (path !== INGEST_PATH) return refuse(socket, 404, 'Not Found');
    // Agents send no Origin; a browser always does, and a page elsewhere must not
    // open sockets here with whatever the browser holds (cross-site WebSocket hijacking).
    if (!originAllowed(req.headers.origin, req.headers.host, (req.socket as { encrypted?: boolean }).encrypted === true)) {
      this.#log.warn({ ip: req.socket.remoteAddress, origin: String(req.headers.origin).slice(0, 100) }, 'cross-origin WebSocket refused');
      return refuse(socket, 403, 'Forbidden');
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    const count = this.#perIp.get(ip) ?? 0;
    if (count >= this.#limits.maxConnectionsPerIp) {
      this.#log.warn({ ip }, 'too many connections from one address');
      return refuse(socket, 429, 'Too Many Requests');
    }
    const auth = req.headers.authorization ?? '';
    const identity = auth.startsWith('Bearer ') ? this.#o.agents.authenticate(auth.slice(7).trim()) : undefined;
    if (!identity) {
      this.#log.warn({ ip }, 'agent connection refused: missing or invalid credential');
      return refuse(socket, 401, 'Unauthorized');
    }
    this.#perIp.set(ip, count + 1);
    // A socket closes once, upgraded or not: the address's count goes down then.
    socket.once('close', () => {
      const n = (this.#perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, n);
    });
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const previous = this.#sessions.get(identity.agentId);
      const session = new AgentSession(ws, identity, this.#sessionDeps);
      this.#sessions.set(identity.agentId, session);
      // One live connection per agent: a reconnect replaces a half-dead socket.
      previous?.close(CLOSE_CODES.normal, 'replaced by a newer connection');
    });
  }
}
