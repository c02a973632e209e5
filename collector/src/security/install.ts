import type { Server } from 'node:http';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installAuth, type RouteRecord } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { agentRoutes } from '../api/routes-agents.js';
import { auditRoutes } from '../api/routes-audit.js';
import { sessionRoutes } from '../api/routes-session.js';
import { tokenRoutes } from '../api/routes-tokens.js';
import { userRoutes } from '../api/routes-users.js';
import { AuditLog } from '../auth/audit.js';
import { RevocationWatch } from '../auth/revocation-watch.js';
import type { SecurityServices } from '../auth/services.js';
import { Sessions } from '../auth/sessions.js';
import { Users } from '../auth/users.js';
import { apiRateLimit, DEFAULT_API_RATE_LIMITS, type ApiRateLimits } from './api-rate-limit.js';
import { capConnections } from './connection-cap.js';
import { securityHeaders } from './headers.js';
import { FailureLock, KeyedRateLimiter } from './rate-limit.js';

export interface SecurityOptions {
  readonly api: ApiRateLimits;
  /** Login attempts per address per minute, and failures per account before a lockout. */
  readonly loginPerMinute: number;
  readonly loginFailuresBeforeLock: number;
  readonly loginLockMs: number;
  /** Failed enrollments per address per minute. */
  readonly enrollFailuresPerMinute: number;
  /** How often the serving process looks for revocations made by the CLI. */
  readonly revocationPollMs: number;
  /** Concurrent TCP connections per address and in total (HTTP and WebSocket). */
  readonly connectionsPerIp: number;
  readonly connectionsTotal: number;
}

export const DEFAULT_SECURITY_OPTIONS: SecurityOptions = Object.freeze({
  api: DEFAULT_API_RATE_LIMITS,
  loginPerMinute: 10,
  loginFailuresBeforeLock: 5,
  loginLockMs: 15 * 60_000,
  enrollFailuresPerMinute: 10,
  revocationPollMs: 1000,
  // A lab of 30 PCs behind one NAT holds 30 agent sockets plus a few HTTP requests.
  connectionsPerIp: 128,
  connectionsTotal: 4096,
});

/**
 * HTTP server timeouts against slow clients: headers must arrive within 10 s
 * (slowloris trickles them), a whole request within 30 s, and Node checks
 * these every 2 s instead of its default 30 s.
 */
export const SERVER_TIMEOUTS = Object.freeze({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 2_000 });

export interface SecurityInstall {
  readonly services: SecurityServices;
  readonly routes: readonly RouteRecord[];
  /** Registers the session, user, API key, token, agent and audit routes. */
  registerRoutes(): Promise<void>;
  start(): void;
  stop(): void;
}

const installed = new WeakMap<FastifyInstance, SecurityInstall>();

/** What was installed on an app (tests enumerate routes and reach the user store through it). */
export function securityOf(app: FastifyInstance): SecurityInstall | undefined {
  return installed.get(app);
}

/**
 * Authentication, access control, rate limits, security headers and the
 * connection cap, plus the security routes. Call before any other route is
 * registered, so every route passes through the same hooks.
 */
export function installSecurity(http: FastifyInstance, ctx: ApiContext, opts: { db: Database; logger: Logger; options?: Partial<SecurityOptions> }): SecurityInstall {
  const o: SecurityOptions = { ...DEFAULT_SECURITY_OPTIONS, ...opts.options };
  const db = opts.db;
  const users = new Users(db, ctx.clock);
  const sessions = new Sessions(db, users, ctx.clock);
  const audit = new AuditLog(db, ctx.clock);
  const tls = ctx.tls !== undefined;
  const revocations = new RevocationWatch({ agents: ctx.agents, sessions: ctx.ingest, logger: opts.logger, intervalMs: o.revocationPollMs, onChange: () => ctx.targets.reload() });
  const services: SecurityServices = {
    users,
    sessions,
    audit,
    revocations,
    tls,
    loginPerIp: new KeyedRateLimiter(o.loginPerMinute / 60, o.loginPerMinute, ctx.clock),
    loginFailures: new FailureLock(o.loginFailuresBeforeLock, o.loginLockMs, ctx.clock),
    enrollFailures: new FailureLock(o.enrollFailuresPerMinute, 60_000, ctx.clock),
  };
  capConnections(http.server as Server, { perIp: o.connectionsPerIp, total: o.connectionsTotal });
  securityHeaders(http, { tls });
  apiRateLimit(http, o.api, ctx.clock);
  const publicUrl = ctx.config.publicUrl;
  const routes = installAuth(http, { apiKeys: ctx.apiKeys, agents: ctx.agents, sessions, tls, origins: { allowed: publicUrl ? [publicUrl] : [] } });
  const result: SecurityInstall = {
    services,
    routes,
    async registerRoutes(): Promise<void> {
      await http.register(async (scope) => sessionRoutes(scope, services));
      await http.register(async (scope) => userRoutes(scope, ctx.apiKeys, services));
      await http.register(async (scope) => tokenRoutes(scope, ctx, services));
      await http.register(async (scope) => agentRoutes(scope, ctx, services));
      await http.register(async (scope) => auditRoutes(scope, audit));
    },
    start: () => revocations.start(),
    stop: () => revocations.stop(),
  };
  installed.set(http, result);
  return result;
}
