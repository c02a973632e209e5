import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canSeeSite, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../api/context.js';
import { CollectorError } from '../errors.js';
import type { FleetEvent } from '../events.js';

export interface EventStreamOptions {
  /**
   * A comment line this often. The HTTP server drops a socket idle for 30 s
   * (connectionTimeout) and proxies do similar, so it must stay below that.
   */
  readonly heartbeatMs: number;
  /** Open streams per principal: a few tabs each, not an unbounded fan-out per stolen cookie. */
  readonly maxStreamsPerPrincipal: number;
  /**
   * A stream ends after this long; EventSource reconnects by itself, through
   * authentication again, so a revoked key or ended session cannot listen forever.
   */
  readonly maxLifetimeMs: number;
}

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = Object.freeze({ heartbeatMs: 25_000, maxStreamsPerPrincipal: 8, maxLifetimeMs: 30 * 60_000 });

/** Is the caller's credential still good? Checked on every heartbeat. */
export type StillAuthorized = (req: FastifyRequest) => boolean;

/** The site an event belongs to, or undefined when its object is gone (then nobody site-limited sees it). */
function siteOf(ctx: ApiContext, e: FleetEvent): string | null | undefined {
  const targetId = e.type === 'alert-ack' ? ctx.alerts.get(e.alertId)?.target_id : e.targetId;
  if (targetId === undefined) return undefined;
  const t = ctx.targets.get(targetId);
  return t ? t.site : undefined;
}

/**
 * GET /api/v1/events: committed fleet changes (target status, alert firing,
 * resolved, acknowledged) as Server-Sent Events for the dashboard. Each
 * message is `data: <FleetEvent JSON>`; the page refetches what it shows.
 * Only ids and states travel here, never values, labels or secrets.
 */
export async function eventsRoute(app: FastifyInstance, ctx: ApiContext, stillAuthorized: StillAuthorized, opts: Partial<EventStreamOptions> = {}): Promise<void> {
  const o: EventStreamOptions = { ...DEFAULT_EVENT_STREAM_OPTIONS, ...opts };
  const open = new Map<string, number>();
  const keyOf = (p: Principal): string => `${p.kind}:${p.id}`;
  // Open streams would keep the server's close() waiting for ever.
  const enders = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...enders]) end();
  });

  app.get('/api/v1/events', { config: { access: 'viewer' } }, async (req, reply) => {
    const p = req.principal;
    if (!p) throw new CollectorError('HM_UNAUTHORIZED');
    const key = keyOf(p);
    const count = open.get(key) ?? 0;
    if (count >= o.maxStreamsPerPrincipal) {
      reply.header('retry-after', '30');
      throw new CollectorError('HM_RATE_LIMITED', `at most ${o.maxStreamsPerPrincipal} event streams per user or key`);
    }
    open.set(key, count + 1);

    const stream = new PassThrough();
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      enders.delete(end);
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      const n = (open.get(key) ?? 1) - 1;
      if (n <= 0) open.delete(key);
      else open.set(key, n);
      stream.end();
    };
    const unsubscribe = ctx.events.subscribe((e) => {
      if (p.sites !== null && !canSeeSite(p, siteOf(ctx, e))) return;
      stream.write(`data: ${JSON.stringify(e)}\n\n`);
    });
    const heartbeat = setInterval(() => {
      if (!stillAuthorized(req)) end();
      else stream.write(`: ${ctx.clock()}\n\n`);
    }, o.heartbeatMs);
    heartbeat.unref();
    const lifetime = setTimeout(end, o.maxLifetimeMs);
    lifetime.unref();
    enders.add(end);
    req.raw.once('close', end);
    reply.raw.once('close', end);

    // `retry` tells EventSource how soon to reconnect; the first comment flushes the headers.
    stream.write(`retry: 3000\n: connected\n\n`);
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // Reverse proxies (nginx) would otherwise buffer the stream.
      .header('x-accel-buffering', 'no');
    return reply.send(stream);
  });
}
