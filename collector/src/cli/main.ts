import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { parseDuration } from '@hallmonitor/shared';
import { buildApp } from '../app.js';
import { ApiKeys } from '../auth/api-keys.js';
import { EnrollmentTokens } from '../auth/enrollment-tokens.js';
import { ROLES, type Role } from '../auth/roles.js';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { CollectorError } from '../errors.js';
import { loadTlsMaterial } from '../tls/material.js';
import { registerAgentCommands } from './agent-commands.js';
import { registerApiKeyCommands } from './apikey-commands.js';
import { sitesFlag } from './security-common.js';
import { registerTokenCommands } from './token-commands.js';
import { registerUserCommands } from './user-commands.js';
import { parseCidr } from '../security/cidr.js';
import { AuditLog } from '../auth/audit.js';
import { registerAlertCommands } from './alerts-commands.js';
import { registerBackupCommand } from './backup-command.js';
import { registerInstallServiceCommand } from '../service/commands.js';

const VERSION = '0.1.0';

interface CommonFlags {
  config?: string;
  dataDir?: string;
}

function listenFlag(value: string): string {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value) || Number(value.slice(value.lastIndexOf(':') + 1)) > 65535) {
    throw new InvalidArgumentError('--listen: expected HOST:PORT such as 0.0.0.0:8470');
  }
  return value;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError(`${flag}: expected a whole number from 1 to 10000`);
    return n;
  };
}

function durationFlag(flag: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`${flag}: expected a duration such as 24h or 7d`);
    return ms;
  };
}

function cidrFlag(value: string): string {
  if (!parseCidr(value)) throw new InvalidArgumentError('--network: expected a CIDR such as 10.20.0.0/16');
  return value;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'collector config file (YAML)')
    .option('--data-dir <dir>', 'data directory (database, TLS material)');
}

function overrides(o: CommonFlags & { listen?: string }): ConfigOverrides {
  return { ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...(o.listen ? { listen: o.listen } : {}) };
}

function buildProgram(): Command {
  const program = new Command('hallmonitor-collector')
    .description('Hallmonitor collector: stores what agents report, evaluates alert rules, serves the API and dashboard')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  withCommon(program.command('serve').description('run the collector (HTTP + WebSocket on one port)'))
    .option('--listen <host:port>', 'address to listen on (default 0.0.0.0:8470)', listenFlag)
    .action(async (o: CommonFlags & { listen?: string }) => {
      const config = await loadConfig(o.config, overrides(o));
      const logger = pino({ level: config.log.level, base: { name: 'hallmonitor-collector' } });
      const app = await buildApp(config, { logger, ...(o.config ? { configPath: o.config } : {}), configOverrides: overrides(o) });
      await app.listen();
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          logger.info({ signal }, 'stopping');
          void app.close().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });

  const token = program.command('token').description('enrollment tokens for agents');
  withCommon(token.command('create').description('create an enrollment token (printed once)'))
    .option('--site <site>', 'site the enrolled agents belong to')
    .option('--uses <n>', 'how many agents may enroll with it (default 1)', positiveInt('--uses'))
    .option('--expires <duration>', 'lifetime (default 24h)', durationFlag('--expires'))
    .option('--network <cidr>', 'only clients in this network may enroll with it, e.g. 10.20.0.0/16', cidrFlag)
    .option('--json', 'print {"token": "…"} only')
    .action(async (o: CommonFlags & { site?: string; uses?: number; expires?: number; network?: string; json?: boolean }) => {
      const config = await loadConfig(o.config, overrides(o));
      const tls = await loadTlsMaterial(config);
      const db = openDatabase(config.dataDir);
      try {
        const t = new EnrollmentTokens(db).create({ ...(o.site ? { site: o.site } : {}), ...(o.uses ? { uses: o.uses } : {}), ...(o.expires ? { expiresMs: o.expires } : {}), ...(o.network ? { network: o.network } : {}), createdBy: 'cli' }, tls?.pin);
        new AuditLog(db).record({ actor: 'cli', action: 'token.create', object: t.id, site: o.site ?? null, detail: { uses: o.uses ?? 1, network: o.network ?? null } });
        if (o.json) process.stdout.write(`${JSON.stringify({ token: t.token })}\n`);
        else process.stdout.write(`${t.token}\n(expires ${new Date(t.expiresAt).toISOString()}; shown once, not stored)\n`);
      } finally {
        db.close();
      }
    });

  const apikey = program.command('apikey').description('API keys for the HTTP API');
  withCommon(apikey.command('create').description('create an API key (printed once)'))
    .addOption(new Option('--role <role>', 'what the key may do').choices([...ROLES]).makeOptionMandatory())
    .option('--name <name>', 'a note on who or what uses the key')
    .option('--sites <a,b>', 'limit the key to these sites (default: all sites)', sitesFlag)
    .option('--json', 'print {"key": "…"} only')
    .action(async (o: CommonFlags & { role: Role; name?: string; sites?: string[]; json?: boolean }) => {
      const config = await loadConfig(o.config, overrides(o));
      const db = openDatabase(config.dataDir);
      try {
        const k = new ApiKeys(db).create({ role: o.role, ...(o.name ? { name: o.name } : {}), sites: o.sites ?? null });
        new AuditLog(db).record({ actor: 'cli', action: 'apikey.create', object: k.id, detail: { role: o.role, sites: o.sites ?? null } });
        if (o.json) process.stdout.write(`${JSON.stringify({ key: k.key })}\n`);
        else process.stdout.write(`${k.key}\n(role ${o.role}; shown once, not stored)\n`);
      } finally {
        db.close();
      }
    });

  registerAlertCommands(program);
  registerBackupCommand(program);
  registerTokenCommands(token);
  registerApiKeyCommands(apikey);
  registerUserCommands(program);
  registerAgentCommands(program);
  registerInstallServiceCommand(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CollectorError) {
      process.stderr.write(`hallmonitor-collector: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
