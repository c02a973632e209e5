import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { CollectorError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export const DB_FILE = 'hallmonitor.db';

/** Creates the data directory if missing; an unusable one is a clear error. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new CollectorError('HM_DATA_DIR', `cannot create data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    throw new CollectorError('HM_DATA_DIR', `data directory ${dataDir} is not writable by this user`);
  }
}

/** SQLite's page cache, KiB. */
export const PAGE_CACHE_KIB = 4096;

/**
 * Opens the database with the settings durability depends on:
 * WAL so readers never block the writer; synchronous=FULL so a committed
 * transaction — and therefore every ack sent after it — survives power loss.
 * Commits are batched by the ingest, so the fsync cost is shared.
 */
export function openDatabase(dataDir: string, opts: { readonly?: boolean } = {}): Database {
  ensureDataDir(dataDir);
  const file = join(dataDir, DB_FILE);
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: opts.readonly ?? false, timeout: 5000 });
  } catch (err) {
    throw new CollectorError('HM_DB', `cannot open ${file}: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache; the collector's writes are appends and
  // scattered single-row lookups whose pages the OS caches anyway, so 4 MB keeps the B-trees'
  // upper levels and gives ~12 MB back (docs/capacity.md).
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  if (!opts.readonly) migrate(db);
  return db;
}

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new CollectorError('HM_DB', `database schema ${current} is newer than this collector understands (${SCHEMA_VERSION}); upgrade the collector`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
