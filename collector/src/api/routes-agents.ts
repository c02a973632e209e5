import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AgentRow } from '../auth/agents.js';
import type { SecurityServices } from '../auth/services.js';
import { CollectorError } from '../errors.js';
import { actorOf, assertSite, visibleSite } from './auth.js';
import type { ApiContext } from './context.js';

const ReplaceBody = Type.Object({ by: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

/** Agent management (revoke, replace after reimaging) and the agent's own credential rotation. */
export async function agentRoutes(app: FastifyInstance, ctx: ApiContext, sec: SecurityServices): Promise<void> {
  const siteOf = (row: AgentRow): string | null => ctx.targets.get(row.target_id)?.site ?? null;
  const view = (row: AgentRow): Record<string, unknown> => ({
    id: row.id,
    targetId: row.target_id,
    site: siteOf(row),
    name: ctx.targets.get(row.target_id)?.name ?? null,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
    replacedBy: row.replaced_by,
    lastSeen: row.last_seen === null ? null : new Date(row.last_seen).toISOString(),
    agentVersion: row.agent_version,
    connected: ctx.ingest.isConnected(row.id),
  });
  const visibleAgent = (req: Parameters<typeof assertSite>[0], id: string): AgentRow => {
    const row = ctx.agents.get(id);
    if (!row) throw new CollectorError('HM_NOT_FOUND', `no agent ${id}`);
    assertSite(req, siteOf(row), `agent ${id}`);
    return row;
  };

  app.get('/api/v1/agents', { config: { access: 'admin' } }, async (req) => ({
    agents: ctx.agents.list().filter((a) => visibleSite(req, siteOf(a))).map(view),
  }));

  app.post<{ Params: { id: string } }>('/api/v1/agents/:id/revoke', { config: { access: 'admin' } }, async (req) => {
    const row = visibleAgent(req, req.params.id);
    const changed = ctx.agents.revoke(row.id);
    // Closes the live socket now; other processes' revocations are picked up by the watch's poll.
    sec.revocations.check();
    if (changed) sec.audit.record({ actor: actorOf(req), action: 'agent.revoke', object: row.id, site: siteOf(row), ip: req.ip });
    return { agent: view(ctx.agents.get(row.id) as AgentRow) };
  });

  app.post<{ Params: { id: string }; Body: { by: string } }>('/api/v1/agents/:id/replace', { config: { access: 'admin' }, schema: { body: ReplaceBody } }, async (req) => {
    const old = visibleAgent(req, req.params.id);
    const next = visibleAgent(req, req.body.by);
    const site = siteOf(old);
    const problem = ctx.agents.replace(old.id, next.id);
    if (problem) throw new CollectorError('HM_CONFLICT', problem);
    sec.revocations.check();
    sec.audit.record({ actor: actorOf(req), action: 'agent.replace', object: old.id, site, detail: { by: next.id, targetId: old.target_id, retiredTargetId: next.target_id }, ip: req.ip });
    return { agent: view(ctx.agents.get(next.id) as AgentRow), replaced: view(ctx.agents.get(old.id) as AgentRow) };
  });

  // The agent rotates its own credential: authenticated by the current one, answered
  // with the next one, which takes over on first use (see Agents.rotate).
  app.post('/api/v1/agent/credential', { config: { access: 'agent' } }, async (req) => {
    const id = req.agentIdentity;
    const credential = id ? ctx.agents.rotate(id.agentId) : undefined;
    if (!id || !credential) throw new CollectorError('HM_UNAUTHORIZED');
    sec.audit.record({ actor: actorOf(req), action: 'agent.rotate', object: id.agentId, site: ctx.targets.get(id.targetId)?.site ?? null, ip: req.ip });
    return { agentId: id.agentId, credential };
  });
}
