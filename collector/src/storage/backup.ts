import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { CollectorError } from '../errors.js';

export interface BackupProgress {
  readonly totalPages: number;
  readonly copiedPages: number;
  /** 0..1 */
  readonly fraction: number;
}

/** Pages per step: small enough for a smooth progress bar and short read locks. */
const PAGES_PER_STEP = 4096;

/**
 * SQLite online backup into `file` while ingest goes on. The copy goes to a
 * temporary file that is fsynced and renamed into place, so `file` is either
 * the old content or a complete, consistent snapshot — never half a database.
 *
 * A write through another connection restarts the backup API's copy (writes
 * through `db` itself are applied to the copy). If the copy keeps restarting
 * under heavy ingest, the remaining pages are taken in one step: WAL mode
 * lets that one read transaction run while the writer continues.
 */
export async function backupDatabase(db: Database, file: string, onProgress?: (p: BackupProgress) => void): Promise<BackupProgress> {
  const tmp = `${file}.partial-${process.pid}`;
  let restarts = 0;
  let lastRemaining = Number.POSITIVE_INFINITY;
  let last: BackupProgress = { totalPages: 0, copiedPages: 0, fraction: 0 };
  try {
    await db.backup(tmp, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        last = { totalPages, copiedPages: totalPages - remainingPages, fraction: totalPages > 0 ? (totalPages - remainingPages) / totalPages : 1 };
        onProgress?.(last);
        return restarts >= 3 ? Math.max(totalPages, 1) : PAGES_PER_STEP;
      },
    });
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CollectorError('HM_DB', `backup to ${file} failed: ${(err as Error).message}`, { cause: err });
  }
  last = { totalPages: last.totalPages, copiedPages: last.totalPages, fraction: 1 };
  onProgress?.(last);
  return last;
}
