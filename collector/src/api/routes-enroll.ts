import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseEnrollmentToken } from '@hallmonitor/shared';
import type { SecurityServices } from '../auth/services.js';
import { normalizeAddress } from '../security/cidr.js';
import { CollectorError } from '../errors.js';
import type { ApiContext } from './context.js';

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

/** Enrollment: a token is exchanged once for a per-agent credential. */
export async function enrollRoutes(app: FastifyInstance, ctx: ApiContext, sec: SecurityServices): Promise<void> {
  app.get('/api/v1/enroll/ca', { config: { access: 'public' } }, async () => {
    if (!ctx.tls) throw new CollectorError('HM_NOT_FOUND', 'this collector runs without TLS');
    return { ca: ctx.tls.trustPem, pin: ctx.tls.pin };
  });

  app.post<{ Body: { token: string; hostname: string; name?: string; site?: string; labels?: Record<string, string> } }>(
    '/api/v1/enroll',
    { config: { access: 'public' }, schema: { body: EnrollBody } },
    async (req) => {
      // Failed attempts are limited per address: guessing a 192-bit token is hopeless
      // anyway, and the limit keeps logs and the audit log quiet. Successes are not
      // limited, so a lab of 30 PCs behind one NAT can enroll at once.
      const ip = normalizeAddress(req.ip);
      if (sec.enrollFailures.lockedFor(ip) > 0) throw new CollectorError('HM_RATE_LIMITED', 'too many failed enrollment attempts from this address; wait a minute');
      const parsed = parseEnrollmentToken(req.body.token);
      const result = parsed
        ? ctx.agents.enroll({
            tokenSecret: parsed.secret,
            hostname: req.body.hostname,
            clientAddress: ip,
            ...(req.body.name ? { name: req.body.name } : {}),
            ...(req.body.site ? { site: req.body.site } : {}),
            ...(req.body.labels ? { labels: req.body.labels } : {}),
          })
        : ({ ok: false, reason: 'unknown' } as const);
      if (!result.ok) {
        sec.enrollFailures.fail(ip);
        req.log.warn({ ip, reason: result.reason, tokenId: result.tokenId }, 'enrollment refused');
        sec.audit.record({ actor: 'anonymous', action: 'enroll.refused', object: result.tokenId ?? null, detail: { reason: result.reason, hostname: req.body.hostname.slice(0, 64) }, ip });
        // The site mismatch is a usage error of someone holding a valid token; say so.
        // Every other refusal is one answer, so a guesser learns nothing.
        if (result.reason === 'wrong_site') throw new CollectorError('HM_TOKEN_INVALID', 'this enrollment token is for another site; leave out --site or use a token for that site');
        throw new CollectorError('HM_TOKEN_INVALID');
      }
      req.log.info({ agentId: result.agentId, name: result.name, ip }, 'agent enrolled');
      sec.audit.record({ actor: 'anonymous', action: 'enroll', object: result.agentId, site: result.site, detail: { tokenId: result.tokenId, name: result.name, targetId: result.targetId }, ip });
      return { agentId: result.agentId, credential: result.credential, name: result.name, targetId: result.targetId };
    },
  );
}
