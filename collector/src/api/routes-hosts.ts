import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import { assertSite, visibleSite } from './auth.js';
import type { ApiContext } from './context.js';

const SeriesQuery = Type.Object(
  {
    metric: Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$', maxLength: 128 }),
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 * 7 })),
  },
  { additionalProperties: false },
);

function parseTime(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new CollectorError('HM_BAD_REQUEST', `${name}: not an ISO 8601 time`);
  return t;
}

/** The fleet list and per-target series. */
export async function hostRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/api/v1/hosts', { config: { access: 'viewer' } }, async (req) => {
    return {
      // A site-limited caller sees only its sites' targets (OWASP API1).
      hosts: ctx.targets.all().filter((t) => visibleSite(req, t.site)).map((t) => ({
        id: t.id,
        name: t.name,
        kind: t.kind,
        site: t.site,
        building: t.building,
        room: t.room,
        labels: t.labels,
        status: ctx.status(t),
        connected: t.agentId ? ctx.ingest.isConnected(t.agentId) : undefined,
        // What it depends on: an AP's controller or poller agent.
        parentId: t.parentId,
        lastSeen: t.lastSeen === null ? null : new Date(t.lastSeen).toISOString(),
        facts: t.facts,
      })),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { metric: string; from?: string; to?: string; step?: number } }>(
    '/api/v1/hosts/:id/series',
    { config: { access: 'viewer' }, schema: { querystring: SeriesQuery } },
    async (req) => {
      const target = ctx.targets.get(req.params.id);
      if (!target) throw new CollectorError('HM_NOT_FOUND', `no target ${req.params.id}`);
      assertSite(req, target.site, `target ${req.params.id}`);
      const now = ctx.clock();
      const to = parseTime(req.query.to, now, 'to');
      const from = parseTime(req.query.from, to - 3_600_000, 'from');
      if (from > to) throw new CollectorError('HM_BAD_REQUEST', 'from is after to');
      const series = ctx.store.query({ targetId: target.id, metric: req.query.metric, fromMs: from, toMs: to, ...(req.query.step ? { stepMs: req.query.step * 1000 } : {}) });
      return { series };
    },
  );
}
