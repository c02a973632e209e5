import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

/**
 * Schema history. Append only: a released migration is never edited, so a
 * database made by any earlier version upgrades in place (PRAGMA user_version
 * records how far it got).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    up(db: Database): void {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE targets (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
          site TEXT, building TEXT, room TEXT,
          labels TEXT NOT NULL DEFAULT '{}', facts TEXT NOT NULL DEFAULT '{}',
          agent_id TEXT, created_at INTEGER NOT NULL, last_seen INTEGER, replaced_by TEXT
        );
        CREATE TABLE agents (
          id TEXT PRIMARY KEY, target_id TEXT NOT NULL REFERENCES targets(id),
          credential_hash TEXT NOT NULL, token_id TEXT,
          created_at INTEGER NOT NULL, revoked_at INTEGER, last_seen INTEGER, agent_version TEXT
        );
        CREATE TABLE enrollment_tokens (
          id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, site TEXT,
          uses_total INTEGER NOT NULL, uses_left INTEGER NOT NULL,
          expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER
        );
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
          name TEXT, created_at INTEGER NOT NULL, revoked_at INTEGER, last_used INTEGER
        );
        CREATE TABLE ingest_high_water (
          agent_id TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          PRIMARY KEY (agent_id, epoch)
        ) WITHOUT ROWID;
        CREATE TABLE series (
          id INTEGER PRIMARY KEY, target_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
          UNIQUE (target_id, metric, labels)
        );
        CREATE TABLE samples (
          series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL,
          PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID;
        CREATE TABLE alerts (
          id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
          target_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
          value REAL, threshold REAL, status TEXT NOT NULL,
          starts_at INTEGER NOT NULL, ends_at INTEGER, summary TEXT NOT NULL,
          acked_at INTEGER, acked_by TEXT, updated_at INTEGER NOT NULL
        );
        CREATE INDEX alerts_by_status ON alerts (status, starts_at);
        CREATE UNIQUE INDEX alerts_one_firing ON alerts (fingerprint) WHERE status = 'firing';
        CREATE TABLE outbox (
          id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE, notifier TEXT NOT NULL,
          alert_ids TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL, last_status INTEGER, last_error TEXT, delivered_at INTEGER
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE TABLE delivery_attempts (
          id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL, at INTEGER NOT NULL,
          status INTEGER, error TEXT, duration_ms REAL
        );
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
