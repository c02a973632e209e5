import type { FastifyInstance } from 'fastify';

/**
 * Headers every response carries. The dashboard serves only its own scripts
 * and styles, so `default-src 'self'` costs nothing and blunts injected
 * markup; framing is refused (clickjacking of the ack button); API answers are
 * never cached (they hold fleet data and one-time secrets such as tokens).
 */
export function securityHeaders(app: FastifyInstance, opts: { readonly tls: boolean }): void {
  const csp = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (opts.tls) reply.header('strict-transport-security', 'max-age=31536000');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
