import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeys, ApiPrincipal } from '../auth/api-keys.js';
import { roleAllows, type Role } from '../auth/roles.js';
import { CollectorError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ApiPrincipal;
  }
}

/** A preHandler that admits API keys of at least `role`: 401 without valid auth, 403 for a lesser role. */
export function requireRole(keys: ApiKeys, role: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const principal = header.startsWith('Bearer ') ? keys.authenticate(header.slice(7).trim()) : undefined;
    if (!principal) throw new CollectorError('HM_UNAUTHORIZED');
    if (!roleAllows(principal.role, role)) throw new CollectorError('HM_FORBIDDEN', `needs role ${role}, this key has ${principal.role}`);
    req.principal = principal;
  };
}
