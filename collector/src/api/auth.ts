import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentIdentity, Agents } from '../auth/agents.js';
import type { ApiKeys } from '../auth/api-keys.js';
import { canSeeSite, isGlobalAdmin, type Principal } from '../auth/principal.js';
import { roleAllows, type Role } from '../auth/roles.js';
import { csrfMatches, type Sessions } from '../auth/sessions.js';
import { CollectorError } from '../errors.js';
import { originAllowed, type OriginPolicy } from '../security/origin.js';

/**
 * Who may call a route. Every route declares one in `config.access`; the
 * route-matrix test fails for a route that does not, and this plugin enforces
 * it in `onRequest`, before the body is even parsed.
 * - public: anyone (health, enrollment, login)
 * - agent: an enrolled agent's own credential
 * - viewer/operator/admin: an API key or dashboard session of at least that role
 * - global-admin: an admin not limited to sites (users, audit log)
 */
export type Access = 'public' | 'agent' | Role | 'global-admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    agentIdentity?: AgentIdentity;
    /** The raw session id when the caller authenticated with the dashboard cookie. */
    sessionId?: string;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface AuthDeps {
  readonly apiKeys: ApiKeys;
  readonly agents: Agents;
  readonly sessions: Sessions;
  readonly tls: boolean;
  readonly origins?: OriginPolicy;
}

export interface RouteRecord {
  readonly method: string;
  readonly url: string;
  readonly access: Access | undefined;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

/** `__Host-` cookies must be Secure, path /, no domain: a sibling host cannot plant one. */
export function sessionCookieName(tls: boolean): string {
  return tls ? '__Host-hm_session' : 'hm_session';
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/**
 * Installs authentication and per-route access control. Call before any route
 * is registered; returns the live list of routes (for the matrix test and for
 * the start-up check that every route declares its access).
 */
export function installAuth(app: FastifyInstance, deps: AuthDeps): RouteRecord[] {
  const routes: RouteRecord[] = [];
  const cookieName = sessionCookieName(deps.tls);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) routes.push({ method: m, url: r.url ?? r.path, access: (r.config as { access?: Access } | undefined)?.access });
  });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const unsafe = UNSAFE.has(req.method);
    // Browsers say where a request comes from; a page elsewhere may not change our state
    // (login CSRF included), whatever credentials the browser attaches.
    if (unsafe && (!originAllowed(req.headers.origin, req.headers.host, deps.tls, deps.origins) || req.headers['sec-fetch-site'] === 'cross-site')) {
      throw new CollectorError('HM_CSRF', 'cross-origin request refused');
    }
    const access = req.routeOptions.config?.access;
    if (access === 'public') return;
    // Routes that do not declare access check it themselves (requireRole); they still
    // get the caller resolved here, sessions and CSRF included.
    if (access === undefined && !req.url.startsWith('/api/')) return;

    const token = bearer(req);
    if (access === 'agent') {
      const id = token ? deps.agents.authenticate(token) : undefined;
      if (!id) throw new CollectorError('HM_UNAUTHORIZED', 'this route needs an agent credential');
      req.agentIdentity = id;
      return;
    }
    if (token !== undefined) {
      req.principal = deps.apiKeys.authenticate(token);
    } else {
      const sid = readCookie(req.headers.cookie, cookieName);
      const session = sid ? deps.sessions.authenticate(sid) : undefined;
      if (session && sid) {
        // A cookie rides along on any request the browser makes, so a change also
        // needs the token only our own page can read.
        if (unsafe && !csrfMatches(req.headers[CSRF_HEADER] as string | undefined, session.csrfToken)) {
          throw new CollectorError('HM_CSRF', `missing or wrong ${CSRF_HEADER} header`);
        }
        const u = session.user;
        req.principal = { kind: 'session', id: u.id, name: u.name, userId: u.id, role: u.role, sites: u.sites };
        req.sessionId = sid;
      }
    }
    if (access === undefined) return;
    const p = req.principal;
    if (!p) throw new CollectorError('HM_UNAUTHORIZED');
    if (access === 'global-admin') {
      if (!isGlobalAdmin(p)) throw new CollectorError('HM_FORBIDDEN', 'needs an admin of all sites');
    } else if (!roleAllows(p.role, access)) {
      throw new CollectorError('HM_FORBIDDEN', `needs role ${access}, this caller has ${p.role}`);
    }
  });
  return routes;
}

/** Another site's object answers exactly like a missing one (no existence oracle). */
export function assertSite(req: FastifyRequest, site: string | null | undefined, what: string): void {
  if (!req.principal || !canSeeSite(req.principal, site)) throw new CollectorError('HM_NOT_FOUND', `no ${what}`);
}

export function visibleSite(req: FastifyRequest, site: string | null | undefined): boolean {
  return req.principal !== undefined && canSeeSite(req.principal, site);
}

/** The id audit entries record for the caller. */
export function actorOf(req: FastifyRequest): string {
  if (req.principal) return req.principal.id;
  if (req.agentIdentity) return `agent:${req.agentIdentity.agentId}`;
  return 'anonymous';
}

/**
 * A preHandler for routes that check their role themselves instead of
 * declaring `config.access` (kept for routes written before it).
 */
export function requireRole(keys: ApiKeys, role: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!req.principal) {
      // Normally resolved by installAuth's hook; this covers an app built without it.
      const token = bearer(req);
      req.principal = token ? keys.authenticate(token) : undefined;
    }
    const principal = req.principal;
    if (!principal) throw new CollectorError('HM_UNAUTHORIZED');
    if (!roleAllows(principal.role, role)) throw new CollectorError('HM_FORBIDDEN', `needs role ${role}, this key has ${principal.role}`);
  };
}
