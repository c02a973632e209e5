import type { FastifyInstance } from 'fastify';
import { CollectorError } from '../errors.js';
import { KeyedRateLimiter } from './rate-limit.js';

export interface ApiRateLimits {
  /** Sustained requests per second per client address on /api/, and the burst above it. */
  readonly perIpPerSecond: number;
  readonly perIpBurst: number;
}

export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = Object.freeze({ perIpPerSecond: 20, perIpBurst: 200 });

/**
 * A general per-address limit on the API, checked first in `onRequest` so it
 * also bounds credential guessing and the work unauthenticated callers cause.
 * Generous: a dashboard or a district Prometheus stays far below it. Login
 * and enrollment have stricter limits of their own.
 */
export function apiRateLimit(app: FastifyInstance, limits: ApiRateLimits, clock: () => number): KeyedRateLimiter {
  const limiter = new KeyedRateLimiter(limits.perIpPerSecond, limits.perIpBurst, clock);
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const wait = limiter.take(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new CollectorError('HM_RATE_LIMITED', `too many requests from this address; retry in ${wait} s`);
    }
  });
  return limiter;
}
