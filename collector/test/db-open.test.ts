import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, PAGE_CACHE_KIB } from '../src/db/open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('opens the file durable (WAL, fsync on every commit) with a bounded page cache, also when opened again', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-open-'));
    dirs.push(dir);
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(dir);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      // 2 = FULL: an ack is sent only after its commit is on disk.
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      // Negative: KiB. better-sqlite3's own default is 16,000 KiB.
      expect(db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
      db.close();
    }
  });
});
