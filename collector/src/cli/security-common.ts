import type { Database } from 'better-sqlite3';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { AuditLog } from '../auth/audit.js';
import { loadConfig, type ResolvedConfig } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { CollectorError } from '../errors.js';

export interface CommonFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export function withCommonFlags(cmd: Command): Command {
  return cmd.option('--config <file>', 'collector config file (YAML)').option('--data-dir <dir>', 'data directory (database, TLS material)');
}

/**
 * Runs `fn` against the collector's database. Safe while `serve` runs: SQLite
 * serialises the writes, and the serving process notices revocations by polling.
 * Every change the CLI makes is audited with actor `cli`.
 */
export async function withDatabase<T>(o: CommonFlags, fn: (db: Database, audit: AuditLog, config: ResolvedConfig) => T | Promise<T>): Promise<T> {
  const config = await loadConfig(o.config, o.dataDir ? { dataDir: o.dataDir } : {});
  const db = openDatabase(config.dataDir);
  try {
    return await fn(db, new AuditLog(db), config);
  } finally {
    db.close();
  }
}

export function sitesFlag(value: string): string[] {
  const sites = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (sites.length === 0 || sites.some((s) => s.length > 128)) throw new InvalidArgumentError('--sites: expected a comma-separated list such as north,south');
  return sites;
}

export function print(o: CommonFlags, json: unknown, text: string): void {
  process.stdout.write(o.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

export function notFound(what: string): never {
  throw new CollectorError('HM_NOT_FOUND', `${what} not found`);
}

/** A password from a pipe (first line) or, on a terminal, typed twice without echo. */
export async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of process.stdin) {
      size += (c as Buffer).length;
      if (size > 4096) throw new CollectorError('HM_FLAG', 'password on stdin: too long');
      chunks.push(c as Buffer);
    }
    return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trimEnd();
  }
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Repeat password: ');
  if (first !== again) throw new CollectorError('HM_FLAG', 'the passwords do not match');
  return first;
}

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(buf);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new CollectorError('HM_FLAG', 'cancelled'));
          return;
        }
        buf = ch === '\u007f' || ch === '\b' ? buf.slice(0, -1) : buf + ch;
      }
    };
    stdin.on('data', onData);
  });
}
