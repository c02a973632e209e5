import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/open.js';
import { SCHEMA_VERSION } from '../../src/db/migrations.js';
import { ChunkedSampleStore } from '../../src/storage/chunked-store.js';
import { resolveStorageConfig, StorageConfigSchema } from '../../src/storage/config.js';
import { alignTimestamps } from '../../src/storage/align.js';
import { FakeClock, v1Db } from './helpers.js';

describe('storage config', () => {
  it('has defaults that resolve', () => {
    const c = Value.Default(StorageConfigSchema, {}) as Record<string, unknown>;
    expect(Value.Check(StorageConfigSchema, c)).toBe(true);
    const r = resolveStorageConfig(c);
    expect(r.rawKeepMs).toBe(14 * 86_400_000);
    expect(r.tiers.map((t) => t.stepMs)).toEqual([60_000, 900_000, 3_600_000]);
    expect(r.maxBytes).toBe(4e9);
  });
  it('names the field of a bad value', () => {
    expect(() => resolveStorageConfig({ tiers: [{ step: '1m', keep: '90d' }, { step: '90s', keep: '365d' }] })).toThrow(/storage\.tiers\[1\]\.step/);
    expect(() => resolveStorageConfig({ raw: '2h' })).toThrow(/storage\.raw/);
    expect(() => resolveStorageConfig({ maxSize: '1KB' })).toThrow(/storage\.maxSize/);
    expect(() => resolveStorageConfig({ tiers: [{ step: '1m', keep: '1d' }] })).toThrow(/storage\.tiers\[0\]\.keep/);
  });
});

describe('timestamp alignment', () => {
  it('snaps jitter to the interval, never by more than the tolerance, never reordering', () => {
    const real = Array.from({ length: 500 }, (_, i) => 1_000_000 + i * 15_000 + Math.round((Math.random() - 0.5) * 200));
    const out = alignTimestamps(real, 500);
    out.forEach((t, i) => {
      expect(Math.abs(t - (real[i] as number))).toBeLessThanOrEqual(500);
      if (i > 0) expect(t).toBeGreaterThan(out[i - 1] as number);
    });
    expect(new Set(out.slice(2).map((t, i) => t - (out[i + 1] as number))).size).toBeLessThan(5);
    expect(alignTimestamps([1, 2, 5000, 5001], 500)).toEqual([1, 2, 5000, 5001]);
  });
});

describe('schema migration', () => {
  it('upgrades a database made by schema 1 in place, converting its samples into chunks', () => {
    const db = v1Db();
    const T0 = Date.UTC(2026, 0, 5);
    db.prepare("INSERT INTO series (id, target_id, metric, labels) VALUES (1, 'h', 'cpu', '{}'), (2, 'h', 'disk', '{\"mount\":\"/\"}')").run();
    const ins = db.prepare('INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?)');
    const want: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const v = i % 97 === 0 ? Number.NaN : i / 8;
      ins.run(1, T0 + i * 15_000, Number.isNaN(v) ? null : v);
      want.push([T0 + i * 15_000, v]);
      ins.run(2, T0 + i * 15_000, 1e9 - i);
    }
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'samples'").get()).toBeUndefined();
    const st = new ChunkedSampleStore(db, { clock: new FakeClock(T0 + 86_400_000).fn });
    const got = st.query({ targetId: 'h', metric: 'cpu', fromMs: T0, toMs: T0 + 86_400_000 })[0]?.points ?? [];
    expect(got.length).toBe(5000);
    got.forEach((p, i) => expect(Object.is(p[1], (want[i] as [number, number])[1])).toBe(true));
    expect(st.latestAll().find((l) => l.metric === 'disk')).toMatchObject({ labels: { mount: '/' }, value: 1e9 - 4999 });
    expect(st.stats().rawSamples).toBe(10_000);
  });
});
