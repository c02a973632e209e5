import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@hallmonitor/shared';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { CollectorError } from '../errors.js';
import { SilenceStore, type SilenceMatchers } from '../notify/silences.js';
import { AlertStore, type AlertFilter } from '../rules/alert-store.js';
import { Targets } from '../targets/targets.js';

interface Common {
  config?: string;
  dataDir?: string;
}

const overrides = (o: Common): ConfigOverrides => (o.dataDir ? { dataDir: o.dataDir } : {});

function common(cmd: Command): Command {
  return cmd.option('--config <file>', 'collector config file (YAML)').option('--data-dir <dir>', 'data directory');
}

async function withDb<T>(o: Common, fn: (db: ReturnType<typeof openDatabase>) => T): Promise<T> {
  const config = await loadConfig(o.config, overrides(o));
  const db = openDatabase(config.dataDir);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function matcherFlag(value: string, prev: SilenceMatchers = {}): SilenceMatchers {
  const m = /^(rule|target|site|severity|label\.[a-zA-Z][a-zA-Z0-9_]*)=(.{1,128})$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--match: expected rule=NAME, target=NAME, site=NAME, severity=LEVEL or label.KEY=VALUE, got ${JSON.stringify(value)}`);
  const [, key = '', v = ''] = m;
  if (key.startsWith('label.')) return { ...prev, labels: { ...prev.labels, [key.slice(6)]: v } };
  return { ...prev, [key]: v };
}

/**
 * `alerts`, `ack` and `silence …`: what on-call needs in a terminal. They work
 * on the database directly, so they also run while `serve` runs (the server
 * picks up silences and acknowledgements within seconds).
 */
export function registerAlertCommands(program: Command): void {
  common(program.command('alerts').description('list alerts (firing by default) in a terminal'))
    .option('--state <state>', 'firing, resolved or all', 'firing')
    .option('--json', 'print JSON')
    .action(async (o: Common & { state: string; json?: boolean }) => {
      if (!['firing', 'resolved', 'all'].includes(o.state)) throw new CollectorError('HM_FLAG', '--state: expected firing, resolved or all');
      await withDb(o, (db) => {
        const targets = new Targets(db);
        const rows = new AlertStore(db).list({ state: o.state as AlertFilter, limit: 200 });
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ alerts: rows })}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(`no ${o.state === 'all' ? '' : `${o.state} `}alerts\n`);
          return;
        }
        const now = Date.now();
        for (const r of rows) {
          const t = targets.get(r.target_id);
          const flags = [r.acked_at ? `acked by ${r.acked_by}` : '', r.muted_reason ? `muted: ${r.muted_reason}` : ''].filter(Boolean).join(', ');
          process.stdout.write(
            `${r.status === 'firing' ? 'FIRING  ' : 'resolved'} ${r.severity.padEnd(8)} ${r.rule.padEnd(24)} ${(t?.name ?? r.target_id).padEnd(20)} ${ago(now - r.starts_at).padStart(4)} ago  ${r.summary}${flags ? `  [${flags}]` : ''}  (${r.id})\n`,
          );
        }
      });
    });

  common(program.command('ack').description('acknowledge a firing alert: no more repeats until it resolves').argument('<alert-id>'))
    .option('--by <name>', 'who acknowledges', process.env.USER ?? 'cli')
    .action(async (id: string, o: Common & { by: string }) => {
      await withDb(o, (db) => {
        if (!new AlertStore(db).ack(id, o.by, Date.now())) throw new CollectorError('HM_NOT_FOUND', `no firing, unacknowledged alert ${id}`);
        process.stdout.write(`acknowledged ${id}\n`);
      });
    });

  const silence = program.command('silence').description('silences: hold back notifications for matching alerts');
  common(silence.command('create').description('create a silence'))
    .requiredOption('--match <key=value>', 'rule=, target=, site=, severity= or label.KEY=; repeatable', matcherFlag)
    .option('--duration <d>', 'how long, e.g. 2h', '2h')
    .requiredOption('--comment <text>', 'why (shown to everyone)')
    .option('--author <name>', 'who', process.env.USER ?? 'cli')
    .action(async (o: Common & { match: SilenceMatchers; duration: string; comment: string; author: string }) => {
      const ms = parseDuration(o.duration);
      if (!ms) throw new CollectorError('HM_FLAG', '--duration: expected a duration such as 2h');
      await withDb(o, (db) => {
        const now = Date.now();
        const s = new SilenceStore(db).create({ matchers: o.match, startsAt: now, endsAt: now + ms, author: o.author, comment: o.comment }, now);
        process.stdout.write(`${s.id} until ${new Date(s.endsAt).toISOString()}\n`);
      });
    });
  common(silence.command('list').description('list active silences')).action(async (o: Common) => {
    await withDb(o, (db) => {
      for (const s of new SilenceStore(db).list()) process.stdout.write(`${s.id}  ${JSON.stringify(s.matchers)}  until ${new Date(s.endsAt).toISOString()}  ${s.author}: ${s.comment}\n`);
    });
  });
  common(silence.command('expire').description('end a silence now').argument('<silence-id>')).action(async (id: string, o: Common) => {
    await withDb(o, (db) => {
      if (!new SilenceStore(db).expire(id, Date.now())) throw new CollectorError('HM_NOT_FOUND', `no active silence ${id}`);
      process.stdout.write(`expired ${id}\n`);
    });
  });
}
