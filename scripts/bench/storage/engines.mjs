import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from '../../../collector/dist/db/migrations.js';
import { ChunkedSampleStore } from '../../../collector/dist/storage/chunked-store.js';
import { resolveStorageConfig } from '../../../collector/dist/storage/config.js';
import { RowSampleStore } from '../../../collector/dist/storage/row-store.js';
import { migrateToChunkedStorage } from '../../../collector/dist/storage/schema-chunked.js';

function openFile(dir, name) {
  mkdirSync(dir, { recursive: true });
  const db = new BetterSqlite3(join(dir, name));
  // The collector's settings (db/open.ts): WAL, and FULL so an ack survives power loss.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

function applyV1(db) {
  db.transaction(() => {
    MIGRATIONS.find((m) => m.version === 1).up(db);
    db.pragma('user_version = 1');
  })();
}

/** The baseline: the foundation's row-per-sample table (schema 1). */
export function rowEngine(dir, clock) {
  const db = openFile(dir, 'row.db');
  applyV1(db);
  void clock;
  return { name: 'row-per-sample', db, store: new RowSampleStore(db), file: join(dir, 'row.db'), maintain: null };
}

/** Our engine, on the full current schema. */
export function chunkedEngine(dir, clock) {
  const db = openFile(dir, 'chunked.db');
  for (const m of MIGRATIONS) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks'").get()) migrateToChunkedStorage(db);
  const store = new ChunkedSampleStore(db, { config: resolveStorageConfig({}), clock });
  return { name: 'chunked', db, store, file: join(dir, 'chunked.db'), maintain: (now, budgetMs) => store.runMaintenance(now, { budgetMs }) };
}
