import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';

/** The collector's own health: database size, how long the size budget lasts, agents connected. */
export async function statusRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/api/v1/status', { config: { access: 'viewer' } }, async () => {
    const st = ctx.store.stats?.();
    return {
      version: '0.1.0',
      agentsConnected: ctx.ingest.connectedAgents,
      targets: ctx.targets.all().length,
      series: ctx.latest.size,
      storage: st ?? null,
    };
  });
}
