import type { Command } from 'commander';
import { Agents } from '../auth/agents.js';
import { EnrollmentTokens } from '../auth/enrollment-tokens.js';
import { CollectorError } from '../errors.js';
import { Targets } from '../targets/targets.js';
import { notFound, print, withCommonFlags, withDatabase, type CommonFlags } from './security-common.js';

/**
 * `agent list|revoke|replace`. A running `serve` polls for these changes and
 * closes the affected sockets within about a second.
 */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('enrolled agents');
  const open = (db: Parameters<Parameters<typeof withDatabase>[1]>[0]): { agents: Agents; targets: Targets } => {
    const targets = new Targets(db);
    return { agents: new Agents(db, new EnrollmentTokens(db), targets), targets };
  };

  withCommonFlags(agent.command('list').description('list agents'))
    .option('--json', 'print {"agents": […]}')
    .action(async (o: CommonFlags) =>
      withDatabase(o, (db) => {
        const { agents, targets } = open(db);
        const rows = agents.list().map((a) => ({ ...a, name: targets.get(a.target_id)?.name ?? null, site: targets.get(a.target_id)?.site ?? null }));
        const lines = rows.map((a) => `${a.id}  ${String(a.name).padEnd(20)}  site=${a.site ?? '-'}  ${a.revoked_at ? `revoked${a.replaced_by ? ` (replaced by ${a.replaced_by})` : ''}` : 'active'}`);
        print(o, { agents: rows }, lines.length > 0 ? lines.join('\n') : '(no agents)');
      }),
    );

  withCommonFlags(agent.command('revoke').description('revoke an agent: its credential stops working and its live connection closes').argument('<id>', 'agent id (ag_…)'))
    .option('--json', 'print {"revoked": "<id>"}')
    .action(async (id: string, o: CommonFlags) =>
      withDatabase(o, (db, audit) => {
        const { agents, targets } = open(db);
        const a = agents.get(id) ?? notFound(`agent ${id}`);
        if (agents.revoke(a.id)) audit.record({ actor: 'cli', action: 'agent.revoke', object: a.id, site: targets.get(a.target_id)?.site ?? null });
        print(o, { revoked: a.id }, `revoked ${a.id}`);
      }),
    );

  withCommonFlags(
    agent
      .command('replace')
      .description("mark NEW (a re-enrolled, reimaged machine) as the replacement of OLD: NEW takes over OLD's host, series and history; OLD is revoked")
      .argument('<old>', 'the agent being replaced (ag_…)')
      .argument('<new>', 'the newly enrolled agent (ag_…)'),
  )
    .option('--json', 'print {"replaced": "<old>", "by": "<new>"}')
    .action(async (oldId: string, newId: string, o: CommonFlags) =>
      withDatabase(o, (db, audit) => {
        const { agents, targets } = open(db);
        const old = agents.get(oldId) ?? notFound(`agent ${oldId}`);
        const next = agents.get(newId) ?? notFound(`agent ${newId}`);
        const problem = agents.replace(old.id, next.id);
        if (problem) throw new CollectorError('HM_CONFLICT', problem);
        audit.record({ actor: 'cli', action: 'agent.replace', object: old.id, site: targets.get(old.target_id)?.site ?? null, detail: { by: next.id, targetId: old.target_id, retiredTargetId: next.target_id } });
        print(o, { replaced: old.id, by: next.id }, `${next.id} now reports as ${targets.get(old.target_id)?.name ?? old.target_id}; ${old.id} is revoked`);
      }),
    );
}
