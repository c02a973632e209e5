import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredSample } from '../../src/storage/sample-store.js';
import { chunkedDb, FakeClock, settle, store } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function batch(metric: string, from: number, n: number, labels: Record<string, string> = {}): StoredSample[] {
  return Array.from({ length: n }, (_, i) => ({ metric, labels, ts: from + i * 1000, value: Math.random() }));
}

describe('rolled-back transactions and a full disk', () => {
  it('forgets samples and series of a transaction the caller rolled back', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0 + 3_600_000);
    const st = store(db, clock);
    db.transaction(() => st.append('h', batch('kept', T0, 10)))();
    expect(() =>
      db.transaction(() => {
        st.append('h', batch('ghost', T0, 10));
        st.append('h', batch('kept', T0 + 10_000, 10));
        throw new Error('commit failed');
      })(),
    ).toThrow('commit failed');
    expect(st.latestAll().map((l) => l.metric)).toEqual(['kept']);
    expect(st.query({ targetId: 'h', metric: 'ghost', fromMs: T0, toMs: T0 + 60_000 })).toEqual([]);
    expect(st.query({ targetId: 'h', metric: 'kept', fromMs: T0, toMs: T0 + 60_000 })[0]?.points).toHaveLength(10);
    // A new series after the rollback gets a fresh, correct id; nothing of the ghost reaches a chunk.
    db.transaction(() => st.append('h', batch('other', T0, 5)))();
    settle(st, T0 + 3 * 3_600_000);
    const fresh = store(db, clock);
    expect(fresh.latestAll().map((l) => l.metric).sort()).toEqual(['kept', 'other']);
    expect(fresh.query({ targetId: 'h', metric: 'other', fromMs: T0, toMs: T0 + 60_000 })[0]?.points).toHaveLength(5);
    expect(fresh.stats().rawSamples).toBe(15);
  });

  it('a failing append inside a transaction leaves earlier appends of that transaction intact', () => {
    const db = chunkedDb();
    const clock = new FakeClock(T0 + 3_600_000);
    const st = store(db, clock);
    db.transaction(() => {
      st.append('h', batch('a', T0, 3));
      // A value that is not a number is skipped, not fatal; a broken head insert is simulated by a bad statement below.
      expect(st.append('h', [{ metric: 'a', labels: {}, ts: T0 + 9000, value: 'x' as unknown as number }])).toBe(0);
    })();
    expect(st.query({ targetId: 'h', metric: 'a', fromMs: T0, toMs: T0 + 60_000 })[0]?.points).toHaveLength(3);
  });

  it('on a full disk: append throws HM_UNAVAILABLE, nothing is acked, reads go on, ingest resumes when space returns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hm-full-'));
    dirs.push(dir);
    const db = chunkedDb(join(dir, 'db.sqlite'));
    const clock = new FakeClock(T0 + 3_600_000);
    const st = store(db, clock);
    db.transaction(() => st.append('h', batch('m', T0, 100)))();
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    let err: unknown;
    try {
      db.transaction(() => st.append('h', batch('m', T0 + 100_000, 5000)))();
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('HM_UNAVAILABLE');
    expect(((err as { cause?: { code?: string } }).cause)?.code).toBe('SQLITE_FULL');
    const q = { targetId: 'h', metric: 'm', fromMs: T0, toMs: T0 + 3_600_000 };
    expect(st.query(q)[0]?.points).toHaveLength(100);
    expect(st.latestAll()[0]?.ts).toBe(T0 + 99_000);
    // Maintenance under a full disk reports, does not throw, and keeps memory consistent.
    settle(st, T0);
    db.pragma(`max_page_count = ${pages * 100}`);
    db.transaction(() => st.append('h', batch('m', T0 + 100_000, 5000)))();
    expect(st.query(q)[0]?.points).toHaveLength(3601);
    settle(st, T0 + 4 * 3_600_000);
    expect(store(db, clock).query(q)[0]?.points).toHaveLength(3601);
    db.close();
  });
});
