import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import { alertView } from '../rules/alert-store.js';
import { requireRole } from './auth.js';
import type { ApiContext } from './context.js';

/** Alert history, acknowledgement and the rules in force. */
export async function alertRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const viewer = requireRole(ctx.apiKeys, 'viewer');
  const operator = requireRole(ctx.apiKeys, 'operator');

  app.get<{ Querystring: { state?: 'firing' | 'resolved' | 'all' } }>(
    '/api/v1/alerts',
    { preHandler: viewer, schema: { querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('all')])) }, { additionalProperties: false }) } },
    async (req) => ({
      alerts: ctx.alerts.list(req.query.state ?? 'firing').map((row) => alertView(row, ctx.targets.get(row.target_id), ctx.baseUrl())),
    }),
  );

  app.post<{ Params: { id: string } }>('/api/v1/alerts/:id/ack', { preHandler: operator }, async (req) => {
    const row = ctx.alerts.get(req.params.id);
    if (!row) throw new CollectorError('HM_NOT_FOUND', `no alert ${req.params.id}`);
    if (row.status !== 'firing') throw new CollectorError('HM_BAD_REQUEST', 'only a firing alert can be acknowledged');
    ctx.alerts.ack(row.id, req.principal?.id ?? 'unknown', ctx.clock());
    const updated = ctx.alerts.get(row.id);
    return { alert: updated ? alertView(updated, ctx.targets.get(updated.target_id), ctx.baseUrl()) : null };
  });

  app.get('/api/v1/rules', { preHandler: viewer }, async () => ({
    rules: ctx.alertManager.rules.map((r) => ({ ...r, for: `${r.forMs / 1000}s` })),
  }));
}
