import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase, type BackupProgress } from '../../src/storage/backup.js';
import { chunkedDb, FakeClock, store } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('backupDatabase', () => {
  it('makes a consistent copy while ingest goes on, reporting progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hm backup '));
    dirs.push(dir);
    const db = chunkedDb(join(dir, 'db.sqlite'));
    const T0 = Date.UTC(2026, 0, 5);
    const st = store(db, new FakeClock(T0 + 3_600_000));
    const write = (k: number): void => {
      db.transaction(() => st.append('h', Array.from({ length: 2000 }, (_, i) => ({ metric: `m${i % 50}`, labels: {}, ts: T0 + k * 100_000 + i, value: i }))))();
    };
    for (let k = 0; k < 20; k++) write(k);
    const seen: BackupProgress[] = [];
    let k = 20;
    const timer = setInterval(() => write(k++), 1);
    const done = await backupDatabase(db, join(dir, 'copy.db'), (p) => seen.push(p));
    clearInterval(timer);
    expect(done.fraction).toBe(1);
    expect(seen.length).toBeGreaterThan(0);
    const copy = new BetterSqlite3(join(dir, 'copy.db'), { readonly: true });
    expect(copy.pragma('quick_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT count(*) AS n FROM head_log').get() as { n: number }).n).toBeGreaterThanOrEqual(20);
    copy.close();
    db.close();
  });
});
