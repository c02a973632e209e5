import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '@hallmonitor/shared';
import type { SecurityServices } from '../auth/services.js';
import { CollectorError } from '../errors.js';
import { installCommandsFor } from '../downloads/service.js';
import { parseCidr } from '../security/cidr.js';
import { actorOf, assertSite, visibleSite } from './auth.js';
import type { ApiContext } from './context.js';

const TokenBody = Type.Object(
  {
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    expires: Type.Optional(Type.String({ pattern: '^\\d+(s|m|h|d|w)$' })),
    network: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const MAX_TOKEN_LIFETIME_MS = 30 * 86_400_000;

/** Enrollment tokens: create (shown once), list, revoke. Admins only; site-limited admins see their sites'. */
export async function tokenRoutes(app: FastifyInstance, ctx: ApiContext, sec: SecurityServices): Promise<void> {
  app.post<{ Body: { site?: string; uses?: number; expires?: string; network?: string } }>(
    '/api/v1/tokens',
    { config: { access: 'admin' }, schema: { body: TokenBody } },
    async (req) => {
      const sites = req.principal?.sites ?? null;
      // A site-limited admin can only enroll agents into their own sites.
      if (sites !== null && (req.body.site === undefined || !sites.includes(req.body.site))) {
        throw new CollectorError('HM_FORBIDDEN', `site: must be one of your sites (${sites.join(', ')})`);
      }
      const expiresMs = req.body.expires ? parseDuration(req.body.expires) : undefined;
      if (expiresMs !== undefined && (expiresMs <= 0 || expiresMs > MAX_TOKEN_LIFETIME_MS)) throw new CollectorError('HM_BAD_REQUEST', 'expires: from 1s to 30d');
      if (req.body.network !== undefined && !parseCidr(req.body.network)) throw new CollectorError('HM_BAD_REQUEST', 'network: expected a CIDR such as 10.20.0.0/16');
      const t = ctx.tokens.create(
        {
          ...(req.body.site ? { site: req.body.site } : {}),
          ...(req.body.uses ? { uses: req.body.uses } : {}),
          ...(expiresMs ? { expiresMs } : {}),
          ...(req.body.network ? { network: req.body.network } : {}),
          createdBy: actorOf(req),
        },
        ctx.tls?.pin,
      );
      sec.audit.record({ actor: actorOf(req), action: 'token.create', object: t.id, site: req.body.site ?? null, detail: { uses: req.body.uses ?? 1, expires: req.body.expires ?? '24h', network: req.body.network ?? null }, ip: req.ip });
      // The dashboard's token page shows these one-liners; the origin is how the admin reached us.
      const install = await installCommandsFor(ctx.config, t.token, { requestOrigin: `${req.protocol}://${req.host}`, fallbackUrl: ctx.baseUrl() });
      return { token: t.token, id: t.id, expiresAt: new Date(t.expiresAt).toISOString(), install };
    },
  );

  app.get('/api/v1/tokens', { config: { access: 'admin' } }, async (req) => ({
    tokens: ctx.tokens.list().filter((t) => visibleSite(req, t.site)),
  }));

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', { config: { access: 'admin' } }, async (req, reply) => {
    const t = ctx.tokens.get(req.params.id);
    if (!t) throw new CollectorError('HM_NOT_FOUND', `no token ${req.params.id}`);
    assertSite(req, t.site, `token ${req.params.id}`);
    ctx.tokens.revoke(t.id);
    sec.audit.record({ actor: actorOf(req), action: 'token.revoke', object: t.id, site: t.site, ip: req.ip });
    return reply.status(204).send();
  });
}
