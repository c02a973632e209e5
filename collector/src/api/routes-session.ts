import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.js';
import type { SecurityServices } from '../auth/services.js';
import { SESSION_TTL_MS } from '../auth/sessions.js';
import { CollectorError } from '../errors.js';
import { normalizeAddress } from '../security/cidr.js';
import { sessionCookieName } from './auth.js';

const LoginBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }) },
  { additionalProperties: false },
);

/** Dashboard login (POST), who am I (GET) and logout (DELETE) on /api/v1/session. */
export async function sessionRoutes(app: FastifyInstance, sec: SecurityServices): Promise<void> {
  const cookie = sessionCookieName(sec.tls);
  // Secure is dropped only when the operator explicitly runs without TLS (the
  // collector warns at start-up); a browser would not send a Secure cookie over http.
  const attrs = `Path=/; HttpOnly; SameSite=Strict${sec.tls ? '; Secure' : ''}`;
  const setCookie = (reply: FastifyReply, value: string, maxAgeS: number): void => {
    reply.header('set-cookie', `${cookie}=${value}; ${attrs}; Max-Age=${maxAgeS}`);
  };

  app.post<{ Body: { name: string; password: string } }>('/api/v1/session', { config: { access: 'public' }, schema: { body: LoginBody } }, async (req, reply) => {
    const ip = normalizeAddress(req.ip);
    const account = req.body.name.toLowerCase();
    const wait = sec.loginPerIp.take(ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new CollectorError('HM_RATE_LIMITED', 'too many login attempts from this address');
    }
    // Locked by name whether or not the account exists, so the lock is no user-name oracle.
    const locked = sec.loginFailures.lockedFor(account);
    if (locked > 0) {
      reply.header('retry-after', String(Math.ceil(locked / 1000)));
      throw new CollectorError('HM_LOGIN_LOCKED');
    }
    const user = await sec.users.verify(req.body.name, req.body.password);
    if (!user) {
      sec.loginFailures.fail(account);
      sec.audit.record({ actor: 'anonymous', action: 'login.failed', object: req.body.name.slice(0, 64), ip });
      throw new CollectorError('HM_UNAUTHORIZED', 'wrong name or password');
    }
    sec.loginFailures.succeed(account);
    const s = sec.sessions.create(user.id);
    sec.audit.record({ actor: user.id, action: 'login', object: user.id, ip });
    setCookie(reply, s.sessionId, Math.floor(SESSION_TTL_MS / 1000));
    return { user: { id: user.id, name: user.name, role: user.role, sites: user.sites }, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() };
  });

  app.get('/api/v1/session', { config: { access: 'viewer' } }, async (req) => {
    const p = req.principal;
    if (!p) throw new CollectorError('HM_UNAUTHORIZED');
    const session = req.sessionId ? sec.sessions.authenticate(req.sessionId) : undefined;
    return {
      kind: p.kind,
      id: p.id,
      name: p.name,
      role: p.role,
      sites: p.sites,
      // The dashboard reads its CSRF token here after a reload; another origin cannot read this answer.
      ...(session ? { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() } : {}),
    };
  });

  app.delete('/api/v1/session', { config: { access: 'viewer' } }, async (req, reply) => {
    if (req.sessionId) {
      sec.sessions.end(req.sessionId);
      sec.audit.record({ actor: req.principal?.id ?? 'anonymous', action: 'logout', ip: req.ip });
    }
    setCookie(reply, '', 0);
    return reply.status(204).send();
  });
}
