import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import type { LatestSample } from '../storage/sample-store.js';
import { assertSite, visibleSite } from './auth.js';
import type { ApiContext } from './context.js';

const METRIC = Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$', maxLength: 128 });

const FleetLatestQuery = Type.Object(
  {
    // coerceTypes 'array' turns a single ?metric=x into ['x'].
    metric: Type.Array(METRIC, { minItems: 1, maxItems: 32 }),
  },
  { additionalProperties: false },
);

interface LatestView {
  readonly targetId?: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** NaN becomes null in JSON, as in the series API. */
  readonly value: number;
  readonly ts: number;
}

const view = (s: LatestSample, withTarget: boolean): LatestView => ({
  ...(withTarget ? { targetId: s.targetId } : {}),
  metric: s.metric,
  labels: s.labels,
  value: s.value,
  ts: s.ts,
});

/**
 * Latest values from memory (ctx.latest), for the dashboard's tables: one
 * target's every series (host page facts, patch state), or a few metrics
 * across the fleet (patch compliance, Wi-Fi), so a table of a thousand hosts
 * is one request instead of a thousand.
 */
export async function latestRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/v1/hosts/:id/latest', { config: { access: 'viewer' } }, async (req) => {
    const target = ctx.targets.get(req.params.id);
    if (!target) throw new CollectorError('HM_NOT_FOUND', `no target ${req.params.id}`);
    assertSite(req, target.site, `target ${req.params.id}`);
    const latest = ctx.latest.forTarget(target.id).map((s) => view(s, false));
    latest.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    return { latest };
  });

  app.get<{ Querystring: { metric: string[] } }>(
    '/api/v1/latest',
    { config: { access: 'viewer' }, schema: { querystring: FleetLatestQuery } },
    async (req) => {
      const wanted = new Set(req.query.metric);
      const visible = new Map<string, boolean>();
      const latest: LatestView[] = [];
      for (const s of ctx.latest.all()) {
        if (!wanted.has(s.metric)) continue;
        let ok = visible.get(s.targetId);
        if (ok === undefined) {
          const t = ctx.targets.get(s.targetId);
          // A retired target (replaced agent) is gone from the fleet view too.
          ok = t !== undefined && visibleSite(req, t.site);
          visible.set(s.targetId, ok);
        }
        if (ok) latest.push(view(s, true));
      }
      return { latest };
    },
  );
}
