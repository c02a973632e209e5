import type { Command } from 'commander';
import { EnrollmentTokens } from '../auth/enrollment-tokens.js';
import { notFound, print, withCommonFlags, withDatabase, type CommonFlags } from './security-common.js';

/** `token list` and `token revoke` (create lives with the original command). */
export function registerTokenCommands(token: Command): void {
  withCommonFlags(token.command('list').description('list enrollment tokens (never their secrets)'))
    .option('--json', 'print {"tokens": […]}')
    .action(async (o: CommonFlags) =>
      withDatabase(o, (db) => {
        const tokens = new EnrollmentTokens(db).list();
        const lines = tokens.map((t) => `${t.id}  ${t.state.padEnd(7)}  site=${t.site ?? '-'}  network=${t.network ?? '-'}  uses ${t.usesLeft}/${t.uses}  expires ${t.expiresAt}`);
        print(o, { tokens }, lines.length > 0 ? lines.join('\n') : '(no tokens)');
      }),
    );

  withCommonFlags(token.command('revoke').description('revoke an enrollment token now').argument('<id>', 'token id (tok_…)'))
    .option('--json', 'print {"revoked": "<id>"}')
    .action(async (id: string, o: CommonFlags) =>
      withDatabase(o, (db, audit) => {
        const tokens = new EnrollmentTokens(db);
        const t = tokens.get(id) ?? notFound(`token ${id}`);
        tokens.revoke(t.id);
        audit.record({ actor: 'cli', action: 'token.revoke', object: t.id, site: t.site });
        print(o, { revoked: t.id }, `revoked ${t.id}`);
      }),
    );
}
