import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { visibleSite } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { TARGET_UP_METRIC } from '../targets/liveness.js';
import type { Target } from '../targets/targets.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import type { Exporter } from './exporter.js';
import { selfMetrics } from './self-metrics.js';

/**
 * GET /metrics — the fleet's latest values in the Prometheus text format, for
 * a district Prometheus/VictoriaMetrics to scrape (a viewer API key as bearer
 * token, or `metrics: { public: true }`). A site-limited key sees its sites'
 * targets only; collector self-metrics carry no site.
 * GET /api/v1/export — the remote-write queues: backlog, sent, dropped.
 */
export async function exportRoutes(app: FastifyInstance, ctx: ApiContext, exporter: Exporter): Promise<void> {
  app.get('/metrics', { config: { access: exporter.metrics.public ? 'public' : 'viewer' } }, async (req, reply) => {
    const targets = ctx.targets.all().filter((t) => exporter.metrics.public || visibleSite(req, t.site));
    const self = selfMetrics({
      ingest: exporter.ingest,
      connectedAgents: () => ctx.ingest.connectedAgents,
      targets: () => ctx.targets.all().length,
      series: () => ctx.latest.size,
      storage: () => ctx.store.stats?.(),
      outboxPending: () => exporter.outboxPending(),
      remoteWrite: exporter.queue,
      startedAt: exporter.startedAt,
    });
    const perTarget = [
      { name: 'hallmonitor_target_up', help: '1 when the target reports (or answers) on time, 0 when it is down, expected offline or unknown.', value: (t: Target): number => (ctx.status(t) === 'up' ? 1 : 0) },
      { name: 'hallmonitor_target_status', help: "The target's status as a label (up, down, expected_offline, unknown); always 1.", value: (): number => 1, labels: (t: Target): Record<string, string> => ({ status: ctx.status(t) }) },
      { name: 'hallmonitor_target_last_seen_timestamp_seconds', help: 'When the target last reported, Unix seconds.', value: (t: Target): number | undefined => (t.lastSeen === null ? undefined : t.lastSeen / 1000) },
    ];
    const skip = new Set([TARGET_UP_METRIC, ...perTarget.map((f) => f.name), ...self.map((f) => f.name)]);
    const body = Readable.from(renderExposition({ targets, latest: ctx.latest.all(), now: ctx.clock(), maxAgeMs: exporter.metrics.maxAgeMs, perTarget, skipMetrics: skip, self }), { objectMode: false });
    reply.header('content-type', EXPOSITION_CONTENT_TYPE).header('cache-control', 'no-store');
    // Prometheus asks for gzip; a big fleet's page shrinks ~10x for a little CPU.
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      reply.header('content-encoding', 'gzip');
      return reply.send(body.pipe(createGzip({ level: 1 })));
    }
    return reply.send(body);
  });

  app.get('/api/v1/export', { config: { access: 'viewer' } }, async () => ({ remoteWrite: exporter.remoteWriteStatus() }));
}
