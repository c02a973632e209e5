import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { migrate } from '../../src/db/open.js';
import { ChunkedSampleStore } from '../../src/storage/chunked-store.js';
import { resolveStorageConfig, type StorageConfig } from '../../src/storage/config.js';
import { migrateToChunkedStorage } from '../../src/storage/schema-chunked.js';

/** A database at the current schema (in memory unless a file is given). */
export function chunkedDb(file = ':memory:'): Database {
  const db = new BetterSqlite3(file);
  if (file !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  migrate(db);
  // Until the chunked-storage migration is registered in MIGRATIONS, apply it here.
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks'").get()) migrateToChunkedStorage(db);
  return db;
}

/** A database made by schema version 1 only, as a released collector left it. */
export function v1Db(file = ':memory:'): Database {
  const db = new BetterSqlite3(file);
  const v1 = MIGRATIONS.find((m) => m.version === 1);
  db.transaction(() => {
    v1?.up(db);
    db.pragma('user_version = 1');
  })();
  return db;
}

export class FakeClock {
  now: number;
  constructor(start: number) {
    this.now = start;
  }
  readonly fn = (): number => this.now;
}

export const TEST_STORAGE: Partial<StorageConfig> = {
  raw: '2d',
  tiers: [
    { step: '1m', keep: '10d' },
    { step: '5m', keep: '30d' },
  ],
  maxSize: '1GB',
  alignJitter: '0s',
  lateGrace: '5m',
};

export function store(db: Database, clock: FakeClock, cfg: Partial<StorageConfig> = TEST_STORAGE, spillSamples?: number): ChunkedSampleStore {
  return new ChunkedSampleStore(db, { config: resolveStorageConfig(cfg), clock: clock.fn, ...(spillSamples ? { spillSamples } : {}) });
}

/** Runs maintenance until it has nothing left to do; returns how many raw chunks it deleted. */
export function settle(s: ChunkedSampleStore, now: number): number {
  let deleted = 0;
  for (let i = 0; i < 1000; i++) {
    const r = s.runMaintenance(now, { budgetMs: 10_000 });
    deleted += r.rawChunksDeleted;
    if (r.errors.length) throw new Error(r.errors.join('; '));
    if (!r.more) return deleted;
  }
  throw new Error('maintenance did not settle');
}
