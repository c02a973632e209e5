import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { latestRoutes } from '../api/routes-latest.js';
import { readCookie, sessionCookieName } from '../api/auth.js';
import type { Sessions } from '../auth/sessions.js';
import { eventsRoute, type EventStreamOptions } from './events-route.js';
import { uiRoutes } from './ui-routes.js';

/**
 * Everything the dashboard needs beyond the REST API: its files, the live
 * event stream and the latest-value reads. One registration in app.ts.
 */
export async function dashboardPlugin(app: FastifyInstance, ctx: ApiContext, sec: { readonly sessions: Sessions }, opts: { readonly events?: Partial<EventStreamOptions>; readonly uiDir?: string } = {}): Promise<void> {
  const cookie = sessionCookieName(ctx.tls !== undefined);
  // The credential that opened a stream is checked again on every heartbeat:
  // a logout, a disabled user or a revoked key ends the stream within 25 s.
  const stillAuthorized = (req: FastifyRequest): boolean => {
    if (req.sessionId !== undefined) return sec.sessions.authenticate(req.sessionId) !== undefined;
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return ctx.apiKeys.authenticate(h.slice(7).trim()) !== undefined;
    const sid = readCookie(req.headers.cookie, cookie);
    return sid !== undefined && sec.sessions.authenticate(sid) !== undefined;
  };
  await app.register(async (scope) => latestRoutes(scope, ctx));
  await app.register(async (scope) => eventsRoute(scope, ctx, stillAuthorized, opts.events));
  await app.register(async (scope) => uiRoutes(scope, opts.uiDir ? { dir: opts.uiDir } : {}));
}
