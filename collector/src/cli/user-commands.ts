import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../auth/roles.js';
import { Users } from '../auth/users.js';
import { notFound, print, readPassword, sitesFlag, withCommonFlags, withDatabase, type CommonFlags } from './security-common.js';

/**
 * `user create|list|disable|passwd`. There is no default account: the first
 * admin is made here, with a password read from stdin or typed at a prompt
 * (never a flag, which would land in shell history and `ps`).
 */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('dashboard and API users');

  withCommonFlags(user.command('create').description('create a user; the password comes from stdin or a prompt'))
    .requiredOption('--name <name>', 'login name')
    .addOption(new Option('--role <role>', 'what the user may do').choices([...ROLES]).makeOptionMandatory())
    .option('--sites <a,b>', 'limit the user to these sites (default: all sites)', sitesFlag)
    .option('--json', 'print {"id": "…"} only')
    .action(async (o: CommonFlags & { name: string; role: Role; sites?: string[] }) => {
      const password = await readPassword();
      await withDatabase(o, async (db, audit) => {
        const u = await new Users(db).create({ name: o.name, password, role: o.role, sites: o.sites ?? null });
        audit.record({ actor: 'cli', action: 'user.create', object: u.id, detail: { name: u.name, role: u.role, sites: u.sites } });
        print(o, { id: u.id }, `created ${u.role} ${u.name} (${u.id}), sites: ${u.sites?.join(',') ?? 'all'}`);
      });
    });

  withCommonFlags(user.command('list').description('list users'))
    .option('--json', 'print {"users": […]}')
    .action(async (o: CommonFlags) =>
      withDatabase(o, (db) => {
        const users = new Users(db).list();
        const lines = users.map((u) => `${u.id}  ${u.name.padEnd(20)}  ${u.role.padEnd(8)}  sites=${u.sites?.join(',') ?? 'all'}${u.disabledAt ? '  (disabled)' : ''}`);
        print(o, { users }, lines.length > 0 ? lines.join('\n') : '(no users)');
      }),
    );

  withCommonFlags(user.command('disable').description('disable a user, end their sessions and revoke their API keys').argument('<name>', 'login name'))
    .action(async (name: string, o: CommonFlags) =>
      withDatabase(o, (db, audit) => {
        const users = new Users(db);
        const u = users.byName(name) ?? notFound(`user ${name}`);
        users.disable(u.id);
        audit.record({ actor: 'cli', action: 'user.disable', object: u.id });
        print(o, { disabled: u.id }, `disabled ${u.name}`);
      }),
    );

  withCommonFlags(user.command('passwd').description("set a user's password (stdin or prompt); ends their sessions").argument('<name>', 'login name'))
    .action(async (name: string, o: CommonFlags) => {
      const password = await readPassword();
      await withDatabase(o, async (db, audit) => {
        const users = new Users(db);
        const u = users.byName(name) ?? notFound(`user ${name}`);
        await users.setPassword(u.id, password);
        audit.record({ actor: 'cli', action: 'user.update', object: u.id, detail: { password: 'changed' } });
        print(o, { updated: u.id }, `password changed for ${u.name}`);
      });
    });
}
