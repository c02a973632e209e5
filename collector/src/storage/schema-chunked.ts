import type { Database } from 'better-sqlite3';
import { CHUNK_WINDOW_MS, ChunkTable, windowStart } from './chunk-table.js';

/**
 * The chunked-storage migration: the chunked time-series layout. Existing rows of the v1
 * `samples` table are converted into chunks (losslessly: no timestamp
 * alignment) and the table is dropped. Rollups for converted data are
 * computed later by maintenance, like for any other data.
 */
export function migrateToChunkedStorage(db: Database): void {
  db.exec(`
    CREATE TABLE chunks (
      id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL,
      start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, count INTEGER NOT NULL,
      head_hw INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL
    );
    CREATE INDEX chunks_by_series ON chunks (series_id, start_ts);
    CREATE INDEX chunks_by_end ON chunks (end_ts);
    CREATE TABLE head_log (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL);
    CREATE TABLE rollups (
      id INTEGER PRIMARY KEY, step_ms INTEGER NOT NULL, series_id INTEGER NOT NULL,
      start_ts INTEGER NOT NULL, data BLOB NOT NULL
    );
    CREATE UNIQUE INDEX rollups_by_series ON rollups (step_ms, series_id, start_ts);
    CREATE INDEX rollups_by_time ON rollups (step_ms, start_ts);
    CREATE TABLE rollup_state (step_ms INTEGER PRIMARY KEY, watermark INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE rollup_dirty (
      step_ms INTEGER NOT NULL, series_id INTEGER NOT NULL, span_start INTEGER NOT NULL,
      PRIMARY KEY (step_ms, series_id, span_start)
    ) WITHOUT ROWID;
    CREATE TABLE storage_totals (kind TEXT PRIMARY KEY, chunks INTEGER NOT NULL, samples INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO storage_totals VALUES ('raw', 0, 0, 0), ('rollup', 0, 0, 0);
  `);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('storage.chunk_window_ms', ?)").run(String(CHUNK_WINDOW_MS));
  // The head_log sequence row must exist: the store reads it to detect rolled-back transactions.
  db.exec("INSERT INTO sqlite_sequence (name, seq) SELECT 'head_log', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'head_log')");
  convertV1Samples(db);
  db.exec('DROP TABLE samples');
}

function convertV1Samples(db: Database): void {
  const table = new ChunkTable(db);
  let series = -1;
  let win = -1;
  let ts: number[] = [];
  let values: number[] = [];
  const flush = (): void => {
    if (ts.length) table.write(series, { ts, values }, 0);
    ts = [];
    values = [];
  };
  // Keyset pages in primary-key order, which is already the order chunks need;
  // better-sqlite3 cannot write while an iterator is open, hence pages, not iterate().
  const page = db.prepare('SELECT series_id, ts, value FROM samples WHERE (series_id, ts) > (?, ?) ORDER BY series_id, ts LIMIT 50000');
  let after: [number, number] = [-1, -1];
  for (;;) {
    const rows = page.all(after[0], after[1]) as Array<{ series_id: number; ts: number; value: number | null }>;
    if (rows.length === 0) break;
    for (const r of rows) {
      // v1 accepted any integer; timestamps the chunk codec cannot hold are dropped rather than corrupting a chunk.
      if (!Number.isInteger(r.ts) || r.ts < 0 || r.ts >= 2 ** 47) continue;
      const w = windowStart(r.ts);
      if (r.series_id !== series || w !== win) {
        flush();
        series = r.series_id;
        win = w;
      }
      ts.push(r.ts);
      // v1 stored NaN as NULL.
      values.push(r.value === null ? Number.NaN : r.value);
    }
    const last = rows[rows.length - 1] as { series_id: number; ts: number };
    after = [last.series_id, last.ts];
  }
  flush();
}
