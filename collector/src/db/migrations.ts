import type { Database } from 'better-sqlite3';
import { migrateToChunkedStorage } from '../storage/schema-chunked.js';

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
  {
    version: 2,
    name: 'alerting',
    up(db: Database): void {
      db.exec(`
        ALTER TABLE alerts ADD COLUMN last_notified_at INTEGER;
        ALTER TABLE alerts ADD COLUMN muted_reason TEXT;
        ALTER TABLE targets ADD COLUMN parent_id TEXT;
        CREATE TABLE alert_pending (
          fingerprint TEXT PRIMARY KEY, rule TEXT NOT NULL, target_id TEXT NOT NULL,
          metric TEXT NOT NULL, labels TEXT NOT NULL, since INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE silences (
          id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
          author TEXT NOT NULL, comment TEXT NOT NULL, created_at INTEGER NOT NULL, expired_at INTEGER
        );
        CREATE TABLE notify_groups (
          key TEXT PRIMARY KEY, notifier TEXT NOT NULL, alert_ids TEXT NOT NULL,
          first_at INTEGER NOT NULL, flush_at INTEGER NOT NULL, last_sent_at INTEGER
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    name: 'security',
    up(db: Database): void {
      db.exec(`
        ALTER TABLE enrollment_tokens ADD COLUMN network TEXT;
        ALTER TABLE enrollment_tokens ADD COLUMN created_by TEXT;
        ALTER TABLE agents ADD COLUMN replaced_by TEXT;
        ALTER TABLE agents ADD COLUMN next_credential_hash TEXT;
        ALTER TABLE api_keys ADD COLUMN user_id TEXT;
        ALTER TABLE api_keys ADD COLUMN sites TEXT;
        CREATE TABLE users (
          id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL,
          role TEXT NOT NULL, sites TEXT, created_at INTEGER NOT NULL, disabled_at INTEGER
        );
        CREATE TABLE sessions (
          id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), csrf_token TEXT NOT NULL,
          created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
          object TEXT, site TEXT, detail TEXT NOT NULL DEFAULT '{}', ip TEXT
        );
      `);
    },
  },
  {
    version: 4,
    name: 'ingest-gaps',
    up(db: Database): void {
      // Reliability: sequences stored above a hole (an agent sends live batches ahead of its
      // backlog) and the gaps agents report when their spool had to drop data.
      db.exec(`
        CREATE TABLE ingest_received_above (
          agent_id TEXT NOT NULL, epoch TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL,
          PRIMARY KEY (agent_id, epoch, from_seq)
        ) WITHOUT ROWID;
        CREATE TABLE ingest_gaps (
          id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, target_id TEXT NOT NULL, epoch TEXT NOT NULL,
          from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, from_ts INTEGER NOT NULL, to_ts INTEGER NOT NULL,
          dropped_samples INTEGER NOT NULL, dropped_batches INTEGER NOT NULL, reason TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          UNIQUE (agent_id, epoch, from_seq)
        );
        CREATE INDEX ingest_gaps_by_target ON ingest_gaps (target_id, from_ts);
      `);
    },
  },
  {
    version: 5,
    name: 'chunked-storage',
    up(db: Database): void {
      // Compressed chunks, head log and rollup tiers; converts and drops the v1 samples table.
      migrateToChunkedStorage(db);
    },
  },
  {
    version: 6,
    name: 'remote-write-queue',
    up(db: Database): void {
      // Export: requests waiting for a Prometheus remote-write endpoint, oldest first
      // (snappy-compressed WriteRequests, so a row is sent as it is stored).
      db.exec(`
        CREATE TABLE remote_write_queue (
          id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, created_at INTEGER NOT NULL,
          samples INTEGER NOT NULL, bytes INTEGER NOT NULL, payload BLOB NOT NULL
        );
        CREATE INDEX remote_write_queue_by_endpoint ON remote_write_queue (endpoint, id);
      `);
    },
  },
  {
    version: 7,
    name: 'device-targets',
    up(db: Database): void {
      // APs and controllers a poller agent reports, by the key it uses for them.
      db.exec(`
        CREATE TABLE device_targets (
          poller_target_id TEXT NOT NULL, key TEXT NOT NULL, target_id TEXT NOT NULL,
          PRIMARY KEY (poller_target_id, key)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
