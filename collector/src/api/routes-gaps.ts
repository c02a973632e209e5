import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import type { GapStore } from '../ingest/gap-store.js';
import { assertSite, requireRole } from './auth.js';
import type { ApiContext } from './context.js';

const GapsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);

function parseTime(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new CollectorError('HM_BAD_REQUEST', `${name}: not an ISO 8601 time`);
  return t;
}

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

/**
 * GET /api/v1/hosts/{id}/gaps: periods an agent's spool had to drop (cap, age,
 * corruption), so the dashboard can show "no data here, and why" instead of a
 * silent hole. Default window: the last 30 days.
 */
export async function gapRoutes(app: FastifyInstance, ctx: ApiContext, gaps: GapStore): Promise<void> {
  const viewer = requireRole(ctx.apiKeys, 'viewer');
  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; limit?: number } }>(
    '/api/v1/hosts/:id/gaps',
    { config: { access: 'viewer' }, preHandler: viewer, schema: { querystring: GapsQuery } },
    async (req) => {
      const target = ctx.targets.get(req.params.id);
      if (!target) throw new CollectorError('HM_NOT_FOUND', `no target ${req.params.id}`);
      assertSite(req, target.site, `target ${req.params.id}`);
      const to = parseTime(req.query.to, ctx.clock() + 86_400_000, 'to');
      const from = parseTime(req.query.from, ctx.clock() - 30 * 86_400_000, 'from');
      if (from > to) throw new CollectorError('HM_BAD_REQUEST', 'from is after to');
      return {
        gaps: gaps.forTarget(target.id, from, to, req.query.limit ?? 1000).map((g) => ({
          epoch: g.epoch,
          fromSeq: g.fromSeq,
          toSeq: g.toSeq,
          from: iso(g.fromTs),
          to: iso(g.toTs),
          droppedSamples: g.droppedSamples,
          droppedBatches: g.droppedBatches,
          reason: g.reason,
          receivedAt: new Date(g.receivedAt).toISOString(),
        })),
      };
    },
  );
}
