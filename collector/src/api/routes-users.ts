import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeys } from '../auth/api-keys.js';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.js';
import { isGlobalAdmin, sitesWithin } from '../auth/principal.js';
import { ROLES, roleAllows, type Role } from '../auth/roles.js';
import type { SecurityServices } from '../auth/services.js';
import { USER_NAME_PATTERN, type User } from '../auth/users.js';
import { CollectorError } from '../errors.js';
import { actorOf } from './auth.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const SitesSchema = Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100 })]);

const UserBody = Type.Object(
  { name: Type.String({ pattern: USER_NAME_PATTERN }), password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }), role: RoleSchema, sites: Type.Optional(SitesSchema) },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  { role: Type.Optional(RoleSchema), sites: Type.Optional(SitesSchema), password: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })) },
  { additionalProperties: false, minProperties: 1 },
);
const KeyBody = Type.Object(
  { role: RoleSchema, name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), sites: Type.Optional(SitesSchema) },
  { additionalProperties: false },
);

const userView = (u: User): Record<string, unknown> => ({
  id: u.id,
  name: u.name,
  role: u.role,
  sites: u.sites,
  createdAt: new Date(u.createdAt).toISOString(),
  disabledAt: u.disabledAt === null ? null : new Date(u.disabledAt).toISOString(),
});

/** Users (admins of all sites) and API keys (each user their own). */
export async function userRoutes(app: FastifyInstance, apiKeys: ApiKeys, sec: SecurityServices): Promise<void> {
  const enabledGlobalAdmins = (): User[] => sec.users.list().filter((u) => u.disabledAt === null && u.role === 'admin' && u.sites === null);
  const mustKeepAnAdmin = (u: User, change: { role?: Role; sites?: readonly string[] | null; disable?: boolean }): void => {
    const staysGlobalAdmin = !change.disable && (change.role ?? u.role) === 'admin' && (change.sites === undefined ? u.sites : change.sites) === null;
    if (u.role === 'admin' && u.sites === null && u.disabledAt === null && !staysGlobalAdmin && enabledGlobalAdmins().length <= 1) {
      throw new CollectorError('HM_CONFLICT', 'this is the last admin of all sites; create another first');
    }
  };
  const userOr404 = (id: string): User => {
    const u = sec.users.get(id);
    if (!u) throw new CollectorError('HM_NOT_FOUND', `no user ${id}`);
    return u;
  };

  app.get('/api/v1/users', { config: { access: 'global-admin' } }, async () => ({ users: sec.users.list().map(userView) }));

  app.post<{ Body: { name: string; password: string; role: Role; sites?: string[] | null } }>(
    '/api/v1/users',
    { config: { access: 'global-admin' }, schema: { body: UserBody } },
    async (req) => {
      const u = await sec.users.create({ name: req.body.name, password: req.body.password, role: req.body.role, sites: req.body.sites ?? null });
      sec.audit.record({ actor: actorOf(req), action: 'user.create', object: u.id, detail: { name: u.name, role: u.role, sites: u.sites }, ip: req.ip });
      return { user: userView(u) };
    },
  );

  app.patch<{ Params: { id: string }; Body: { role?: Role; sites?: string[] | null; password?: string } }>(
    '/api/v1/users/:id',
    { config: { access: 'global-admin' }, schema: { body: UserPatch } },
    async (req) => {
      const u = userOr404(req.params.id);
      const { password, ...change } = req.body;
      mustKeepAnAdmin(u, change);
      if (password !== undefined) await sec.users.setPassword(u.id, password);
      const updated = sec.users.update(u.id, change) as User;
      sec.audit.record({ actor: actorOf(req), action: 'user.update', object: u.id, detail: { ...change, password: password === undefined ? undefined : 'changed' }, ip: req.ip });
      return { user: userView(updated) };
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/users/:id', { config: { access: 'global-admin' } }, async (req, reply) => {
    const u = userOr404(req.params.id);
    mustKeepAnAdmin(u, { disable: true });
    sec.users.disable(u.id);
    sec.audit.record({ actor: actorOf(req), action: 'user.disable', object: u.id, ip: req.ip });
    return reply.status(204).send();
  });

  // API keys: a caller sees and revokes its own user's keys; admins of all sites see every key.
  const mayManage = (req: FastifyRequest, keyUserId: string | null): boolean =>
    (req.principal !== undefined && isGlobalAdmin(req.principal)) || (req.principal?.userId !== null && req.principal?.userId === keyUserId);

  app.get('/api/v1/apikeys', { config: { access: 'viewer' } }, async (req) => {
    const p = req.principal;
    if (p && isGlobalAdmin(p)) return { apiKeys: apiKeys.list() };
    return { apiKeys: p?.userId ? apiKeys.list(p.userId) : [] };
  });

  app.post<{ Body: { role: Role; name?: string; sites?: string[] | null } }>('/api/v1/apikeys', { config: { access: 'viewer' }, schema: { body: KeyBody } }, async (req) => {
    const p = req.principal;
    if (!p) throw new CollectorError('HM_UNAUTHORIZED');
    if (p.userId === null && !isGlobalAdmin(p)) throw new CollectorError('HM_FORBIDDEN', 'a key not owned by a user cannot make keys');
    // Nobody hands out more than they have.
    if (!roleAllows(p.role, req.body.role)) throw new CollectorError('HM_FORBIDDEN', `cannot create a ${req.body.role} key as ${p.role}`);
    const sites = req.body.sites === undefined ? p.sites : req.body.sites;
    if (!sitesWithin(sites, p.sites)) throw new CollectorError('HM_FORBIDDEN', 'sites: must be within your own sites');
    const k = apiKeys.create({ role: req.body.role, ...(req.body.name ? { name: req.body.name } : {}), userId: p.userId, sites });
    sec.audit.record({ actor: actorOf(req), action: 'apikey.create', object: k.id, detail: { role: req.body.role, sites }, ip: req.ip });
    return { key: k.key, id: k.id };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/apikeys/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const k = apiKeys.get(req.params.id);
    if (!k || !mayManage(req, k.userId)) throw new CollectorError('HM_NOT_FOUND', `no API key ${req.params.id}`);
    apiKeys.revoke(k.id);
    sec.audit.record({ actor: actorOf(req), action: 'apikey.revoke', object: k.id, ip: req.ip });
    return reply.status(204).send();
  });
}
