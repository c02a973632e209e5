import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

export interface DbSpace {
  readonly pageSize: number;
  /** The main database file's size. */
  readonly fileBytes: number;
  /** Pages holding data (file minus the free list): what the size budget limits. */
  readonly usedBytes: number;
  readonly walBytes: number;
}

export function dbSpace(db: Database): DbSpace {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  let walBytes = 0;
  if (!db.memory) {
    try {
      walBytes = statSync(`${db.name}-wal`).size;
    } catch {
      walBytes = 0;
    }
  }
  return { pageSize, fileBytes: pages * pageSize, usedBytes: (pages - free) * pageSize, walBytes };
}

export interface BudgetEstimate {
  /** Bytes added per day at the current ingest rate (raw chunks plus rollups). */
  readonly growthBytesPerDay: number;
  /** When the budget is reached if nothing expired, from now; null at zero ingest. */
  readonly budgetFullInMs: number | null;
  /** How much raw history the whole budget holds at this rate; null at zero ingest. */
  readonly historyAtBudgetMs: number | null;
}

/**
 * How long the size budget lasts. Growth is estimated from the measured
 * ingest rate times the measured compressed size per sample (rollups add a
 * measured fraction on top); it is an estimate for operators, not a promise.
 */
export function estimateBudget(input: {
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly samplesPerSecond: number;
  readonly bytesPerSample: number;
  readonly rollupFraction: number;
}): BudgetEstimate {
  const perSec = input.samplesPerSecond * input.bytesPerSample * (1 + input.rollupFraction);
  if (!(perSec > 0)) return { growthBytesPerDay: 0, budgetFullInMs: null, historyAtBudgetMs: null };
  return {
    growthBytesPerDay: Math.round(perSec * 86_400),
    budgetFullInMs: Math.max(0, Math.round(((input.maxBytes - input.usedBytes) / perSec) * 1000)),
    historyAtBudgetMs: Math.round((input.maxBytes / perSec) * 1000),
  };
}
