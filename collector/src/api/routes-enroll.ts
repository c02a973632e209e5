import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseDuration, parseEnrollmentToken } from '@hallmonitor/shared';
import { CollectorError } from '../errors.js';
import { requireRole } from './auth.js';
import type { ApiContext } from './context.js';
import { WindowLimiter } from './rate-limit.js';

const EnrollBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 256 }),
    hostname: Type.String({ minLength: 1, maxLength: 253 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,63}$' }), Type.String({ maxLength: 128 }), { maxProperties: 16, additionalProperties: false })),
  },
  { additionalProperties: false },
);

const TokenBody = Type.Object(
  {
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    expires: Type.Optional(Type.String({ pattern: '^\\d+(s|m|h|d|w)$' })),
  },
  { additionalProperties: false },
);

/** Enrollment (token → per-agent credential) and token management. */
export async function enrollRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  // Failed attempts are limited per address: guessing a 192-bit token is hopeless
  // anyway, and the limit keeps logs quiet. Successes are not limited, so a lab
  // of 30 PCs behind one NAT can enroll at once.
  const failures = new WindowLimiter(10, 60_000, ctx.clock);

  app.get('/api/v1/enroll/ca', async () => {
    if (!ctx.tls) throw new CollectorError('HM_NOT_FOUND', 'this collector runs without TLS');
    return { ca: ctx.tls.trustPem, pin: ctx.tls.pin };
  });

  app.post<{ Body: { token: string; hostname: string; name?: string; site?: string; labels?: Record<string, string> } }>(
    '/api/v1/enroll',
    { schema: { body: EnrollBody } },
    async (req) => {
      if (failures.exhausted(req.ip)) throw new CollectorError('HM_RATE_LIMITED', 'too many enrollment attempts from this address; wait a minute');
      const parsed = parseEnrollmentToken(req.body.token);
      const result = parsed
        ? ctx.agents.enroll({
            tokenSecret: parsed.secret,
            hostname: req.body.hostname,
            ...(req.body.name ? { name: req.body.name } : {}),
            ...(req.body.site ? { site: req.body.site } : {}),
            ...(req.body.labels ? { labels: req.body.labels } : {}),
          })
        : undefined;
      if (!result) {
        failures.hit(req.ip);
        req.log.warn({ ip: req.ip }, 'enrollment refused: invalid, expired or used-up token');
        throw new CollectorError('HM_TOKEN_INVALID');
      }
      req.log.info({ agentId: result.agentId, name: result.name, ip: req.ip }, 'agent enrolled');
      return { agentId: result.agentId, credential: result.credential, name: result.name, targetId: result.targetId };
    },
  );

  app.post<{ Body: { site?: string; uses?: number; expires?: string } }>(
    '/api/v1/tokens',
    { preHandler: requireRole(ctx.apiKeys, 'admin'), schema: { body: TokenBody } },
    async (req) => {
      const expiresMs = req.body.expires ? parseDuration(req.body.expires) : undefined;
      const t = ctx.tokens.create({ ...(req.body.site ? { site: req.body.site } : {}), ...(req.body.uses ? { uses: req.body.uses } : {}), ...(expiresMs ? { expiresMs } : {}) }, ctx.tls?.pin);
      return { token: t.token, id: t.id, expiresAt: new Date(t.expiresAt).toISOString() };
    },
  );
}
