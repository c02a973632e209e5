import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import type { Notification } from '../notify/notification.js';
import { requireRole } from './auth.js';
import type { ApiContext } from './context.js';

/** Every delivery and every attempt's result, and a test send per notifier. */
export async function notificationRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const viewer = requireRole(ctx.apiKeys, 'viewer');
  const admin = requireRole(ctx.apiKeys, 'admin');

  app.get<{ Querystring: { limit?: number } }>(
    '/api/v1/notifications',
    { preHandler: viewer, schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }) } },
    async (req) => ({
      notifications: ctx.outbox.list(req.query.limit ?? 100).map((r) => ({
        id: r.delivery_id,
        notifier: r.notifier,
        state: r.state,
        attempts: ctx.outbox.attempts(r.id).map((a) => ({ at: new Date(a.at).toISOString(), status: a.status, error: a.error, durationMs: Math.round(a.duration_ms) })),
        createdAt: new Date(r.created_at).toISOString(),
        deliveredAt: r.delivered_at === null ? null : new Date(r.delivered_at).toISOString(),
        nextAttemptAt: r.state === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
        status: (JSON.parse(r.payload) as Notification).status,
      })),
    }),
  );

  app.get('/api/v1/notifiers', { preHandler: viewer }, async () => ({
    // Names and types only: URLs and secrets are never shown.
    notifiers: ctx.live.current.config.notifiers.map((n) => ({ name: n.name, type: n.type, disabled: ctx.outbox.isDisabled(n.name, n.url ?? '') })),
  }));

  app.post<{ Params: { name: string } }>('/api/v1/notifiers/:name/enable', { preHandler: admin }, async (req) => {
    if (!ctx.live.current.config.notifiers.some((x) => x.name === req.params.name)) throw new CollectorError('HM_NOT_FOUND', `no notifier ${req.params.name}`);
    return { enabled: ctx.outbox.enable(req.params.name) };
  });

  app.post<{ Params: { name: string } }>('/api/v1/notifiers/:name/test', { preHandler: admin }, async (req) => {
    const n = ctx.live.current.config.notifiers.find((x) => x.name === req.params.name);
    if (!n) throw new CollectorError('HM_NOT_FOUND', `no notifier ${req.params.name}`);
    const now = ctx.clock();
    const notification: Notification = {
      version: 1,
      status: 'firing',
      groupKey: `test/${n.name}`,
      alerts: [
        {
          id: 'al_test',
          fingerprint: 'test',
          status: 'firing',
          rule: 'hallmonitor-test',
          severity: 'info',
          target: { id: 'test', name: 'hallmonitor', kind: 'collector', site: null },
          metric: 'test',
          labels: {},
          value: 1,
          threshold: 0,
          startsAt: new Date(now).toISOString(),
          endsAt: null,
          summary: `Test notification from Hallmonitor to ${n.name}`,
          url: ctx.baseUrl(),
        },
      ],
    };
    const id = ctx.outbox.enqueue(n.name, notification, now);
    ctx.worker.wake();
    return { queued: id };
  });
}
