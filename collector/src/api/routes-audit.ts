import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../auth/audit.js';

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    action: Type.Optional(Type.String({ pattern: '^[a-z.]{1,40}$' })),
  },
  { additionalProperties: false },
);

/** The audit log, newest first; admins of all sites only (it names every site's objects). */
export async function auditRoutes(app: FastifyInstance, audit: AuditLog): Promise<void> {
  app.get<{ Querystring: { limit?: number; before?: number; action?: string } }>(
    '/api/v1/audit',
    { config: { access: 'global-admin' }, schema: { querystring: AuditQuery } },
    async (req) => ({
      entries: audit.list({ limit: req.query.limit ?? 100, ...(req.query.before ? { before: req.query.before } : {}), ...(req.query.action ? { action: req.query.action } : {}) }),
    }),
  );
}
