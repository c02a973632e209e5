import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '@hallmonitor/shared';
import { CollectorError } from '../errors.js';
import { alertView } from '../rules/alert-store.js';
import type { Silence } from '../notify/silences.js';
import { assertSite, requireRole, visibleSite } from './auth.js';
import type { ApiContext } from './context.js';

const AlertsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('all')])),
    rule: Type.Optional(Type.String({ maxLength: 64 })),
    target: Type.Optional(Type.String({ maxLength: 64 })),
    severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')])),
    since: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);

/** Alert history with filters, acknowledgement and the rules in force. */
export async function alertRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const viewer = requireRole(ctx.apiKeys, 'viewer');
  const operator = requireRole(ctx.apiKeys, 'operator');

  app.get<{ Querystring: { state?: 'firing' | 'resolved' | 'all'; rule?: string; target?: string; severity?: string; since?: string; limit?: number } }>(
    '/api/v1/alerts',
    { preHandler: viewer, schema: { querystring: AlertsQuery } },
    async (req) => {
      const q = req.query;
      const since = q.since === undefined ? undefined : Date.parse(q.since);
      if (since !== undefined && Number.isNaN(since)) throw new CollectorError('HM_BAD_REQUEST', 'since: not an ISO 8601 time');
      const rows = ctx.alerts.list({ state: q.state ?? 'firing', ...(q.rule ? { rule: q.rule } : {}), ...(q.target ? { targetId: q.target } : {}), ...(q.severity ? { severity: q.severity } : {}), ...(since !== undefined ? { since } : {}), ...(q.limit ? { limit: q.limit } : {}) });
      // Another site's alerts are invisible to a site-limited caller (OWASP API1).
      return { alerts: rows.filter((row) => visibleSite(req, ctx.targets.get(row.target_id)?.site)).map((row) => alertView(row, ctx.targets.get(row.target_id), ctx.baseUrl())) };
    },
  );

  app.post<{ Params: { id: string } }>('/api/v1/alerts/:id/ack', { preHandler: operator }, async (req) => {
    const row = ctx.alerts.get(req.params.id);
    if (!row) throw new CollectorError('HM_NOT_FOUND', `no alert ${req.params.id}`);
    assertSite(req, ctx.targets.get(row.target_id)?.site, `alert ${req.params.id}`);
    if (row.status !== 'firing') throw new CollectorError('HM_BAD_REQUEST', 'only a firing alert can be acknowledged');
    if (ctx.alerts.ack(row.id, req.principal?.id ?? 'unknown', ctx.clock())) ctx.events.emit({ type: 'alert-ack', alertId: row.id, at: ctx.clock() });
    const updated = ctx.alerts.get(row.id);
    return { alert: updated ? alertView(updated, ctx.targets.get(updated.target_id), ctx.baseUrl()) : null };
  });

  app.get('/api/v1/rules', { preHandler: viewer }, async () => ({
    rules: ctx.alertManager.rules.map((r) => ({ ...r, for: `${r.forMs / 1000}s` })),
  }));
}

const SilenceBody = Type.Object(
  {
    matchers: Type.Object(
      {
        rule: Type.Optional(Type.String({ maxLength: 64 })),
        target: Type.Optional(Type.String({ maxLength: 128 })),
        site: Type.Optional(Type.String({ maxLength: 128 })),
        severity: Type.Optional(Type.String({ maxLength: 16 })),
        labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,63}$' }), Type.String({ maxLength: 128 }), { maxProperties: 16, additionalProperties: false })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    startsAt: Type.Optional(Type.String({ maxLength: 40 })),
    endsAt: Type.Optional(Type.String({ maxLength: 40 })),
    duration: Type.Optional(Type.String({ pattern: '^\\d+(s|m|h|d|w)$' })),
    comment: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);

/** Silences: matchers, a time range, an author and a reason. */
export async function silenceRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const viewer = requireRole(ctx.apiKeys, 'viewer');
  const operator = requireRole(ctx.apiKeys, 'operator');

  app.get<{ Querystring: { expired?: boolean } }>('/api/v1/silences', { preHandler: viewer, schema: { querystring: Type.Object({ expired: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) } }, async (req) => ({
    silences: ctx.silences.list(req.query.expired === true).filter((s) => visibleSite(req, silenceSite(ctx, s.matchers))).map(silenceView),
  }));

  app.post<{ Body: { matchers: Record<string, never>; startsAt?: string; endsAt?: string; duration?: string; comment: string } }>(
    '/api/v1/silences',
    { preHandler: operator, schema: { body: SilenceBody } },
    async (req) => {
      const now = ctx.clock();
      const startsAt = req.body.startsAt ? Date.parse(req.body.startsAt) : now;
      const endsAt = req.body.endsAt ? Date.parse(req.body.endsAt) : startsAt + (parseDuration(req.body.duration ?? '2h') ?? 7_200_000);
      if (Number.isNaN(startsAt) || Number.isNaN(endsAt)) throw new CollectorError('HM_BAD_REQUEST', 'startsAt/endsAt: not ISO 8601 times');
      if (endsAt <= startsAt) throw new CollectorError('HM_BAD_REQUEST', 'endsAt must be after startsAt');
      // A site-limited operator may only silence its own sites' alerts.
      if (!visibleSite(req, silenceSite(ctx, req.body.matchers))) throw new CollectorError('HM_FORBIDDEN', 'matchers: a site-limited caller must match one of its sites (site or target)');
      const s = ctx.silences.create({ matchers: req.body.matchers, startsAt, endsAt, author: req.principal?.id ?? 'unknown', comment: req.body.comment }, now);
      req.log.info({ silence: s.id, author: s.author, matchers: s.matchers }, 'silence created');
      return { silence: silenceView(s) };
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/silences/:id', { preHandler: operator }, async (req) => {
    const existing = ctx.silences.list(true).find((x) => x.id === req.params.id);
    assertSite(req, existing ? silenceSite(ctx, existing.matchers) : undefined, `active silence ${req.params.id}`);
    if (!ctx.silences.expire(req.params.id, ctx.clock())) throw new CollectorError('HM_NOT_FOUND', `no active silence ${req.params.id}`);
    return { expired: req.params.id };
  });
}

/** The one site a silence is confined to (its site matcher, else its target's), or null for fleet-wide. */
function silenceSite(ctx: ApiContext, m: { site?: string; target?: string }): string | null {
  if (m.site !== undefined) return m.site;
  if (m.target !== undefined) return ctx.targets.get(m.target)?.site ?? null;
  return null;
}

function silenceView(s: Silence): Record<string, unknown> {
  return {
    id: s.id,
    matchers: s.matchers,
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    author: s.author,
    comment: s.comment,
    createdAt: new Date(s.createdAt).toISOString(),
    expiredAt: s.expiredAt === null ? null : new Date(s.expiredAt).toISOString(),
  };
}
