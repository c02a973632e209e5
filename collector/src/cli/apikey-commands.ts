import type { Command } from 'commander';
import { ApiKeys } from '../auth/api-keys.js';
import { notFound, print, withCommonFlags, withDatabase, type CommonFlags } from './security-common.js';

/** `apikey list` and `apikey revoke`. */
export function registerApiKeyCommands(apikey: Command): void {
  withCommonFlags(apikey.command('list').description('list API keys (never the keys themselves)'))
    .option('--json', 'print {"apiKeys": […]}')
    .action(async (o: CommonFlags) =>
      withDatabase(o, (db) => {
        const keys = new ApiKeys(db).list();
        const lines = keys.map((k) => `${k.id}  ${k.role.padEnd(8)}  ${k.revokedAt ? 'revoked' : 'active '}  sites=${k.sites?.join(',') ?? 'all'}  ${k.name ?? ''}`);
        print(o, { apiKeys: keys }, lines.length > 0 ? lines.join('\n') : '(no API keys)');
      }),
    );

  withCommonFlags(apikey.command('revoke').description('revoke an API key now').argument('<id>', 'key id (key_…)'))
    .option('--json', 'print {"revoked": "<id>"}')
    .action(async (id: string, o: CommonFlags) =>
      withDatabase(o, (db, audit) => {
        const keys = new ApiKeys(db);
        const k = keys.get(id) ?? notFound(`API key ${id}`);
        keys.revoke(k.id);
        audit.record({ actor: 'cli', action: 'apikey.revoke', object: k.id });
        print(o, { revoked: k.id }, `revoked ${k.id}`);
      }),
    );
}
