import type { Database } from 'better-sqlite3';

/**
 * PRAGMA quick_check at start-up: O(database size) but far cheaper than
 * integrity_check (no index cross-checks). Returns the problems found, empty
 * when the database is sound; the caller decides whether to refuse to start.
 */
export function quickCheck(db: Database, maxErrors = 20): string[] {
  const rows = db.pragma(`quick_check(${Math.max(1, Math.floor(maxErrors))})`) as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  return problems;
}
