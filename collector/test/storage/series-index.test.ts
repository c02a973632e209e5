import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seriesKey } from '../../src/storage/sample-store.js';
import { SeriesIndex } from '../../src/storage/series-index.js';
import { chunkedDb } from './helpers.js';

const HOUR = 3_600_000;

/** A distinct (metric, labels) per k: some without labels, some sharing a metric. */
function series(k: number): [string, Record<string, string>] {
  return k % 3 === 0 ? [`m${k}`, {}] : [`m${k % 5}`, { k: String(k) }];
}

describe('SeriesIndex', () => {
  it('resolves (target, metric, labels) to stable ids and names them back', () => {
    const db = chunkedDb();
    const idx = new SeriesIndex(db);
    idx.load();
    const a = idx.resolve('h1', 'cpu', {});
    const b = idx.resolve('h1', 'disk', { mount: '/' }, seriesKey('disk', '{"mount":"/"}'));
    const c = idx.resolve('h2', 'cpu', {}, 'cpu');
    expect(new Set([a, b, c]).size).toBe(3);
    expect(idx.resolve('h1', 'cpu', {}, 'cpu')).toBe(a);
    expect(idx.resolve('h1', 'disk', { mount: '/' })).toBe(b);
    expect(idx.size).toBe(3);
    expect(idx.has(b)).toBe(true);
    expect(idx.has(999)).toBe(false);
    expect(idx.has(-1)).toBe(false);
    expect([idx.targetId(b), idx.metric(b), idx.labelsJson(b), idx.labels(b)]).toEqual(['h1', 'disk', '{"mount":"/"}', { mount: '/' }]);
    expect(idx.byId(c)).toEqual({ id: c, targetId: 'h2', metric: 'cpu', labelsJson: '{}', labels: {}, lastSealedWindow: -1 });
    expect(idx.byId(999)).toBeUndefined();
    expect([...idx.all()]).toEqual([a, b, c].sort((x, y) => x - y));
  });

  it('orders forMetric by labels and keeps the last sealed window per series', () => {
    const db = chunkedDb();
    const idx = new SeriesIndex(db);
    idx.load();
    const z = idx.resolve('h1', 'disk', { mount: '/z' });
    const a = idx.resolve('h1', 'disk', { mount: '/a' });
    idx.resolve('h2', 'disk', { mount: '/b' });
    idx.resolve('h1', 'cpu', {});
    expect(idx.forMetric('h1', 'disk')).toEqual([a, z]);
    expect(idx.forMetric('h1', 'nothing')).toEqual([]);
    expect(idx.forMetric('nobody', 'disk')).toEqual([]);
    expect(idx.lastSealedWindow(a)).toBe(-1);
    idx.setLastSealedWindow(a, 500_000 * HOUR);
    expect(idx.lastSealedWindow(a)).toBe(500_000 * HOUR);
    expect(idx.lastSealedWindow(z)).toBe(-1);
    idx.setLastSealedWindow(a, -1);
    expect(idx.lastSealedWindow(a)).toBe(-1);
  });

  it('matches a Map model through growth, rehashing and a reload from the table', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 3000 }), (pairs) => {
        const db = chunkedDb();
        const idx = new SeriesIndex(db);
        idx.load();
        const model = new Map<string, number>();
        db.transaction(() => {
          for (const [t, k] of pairs) {
            const id = idx.resolve(`t${t}`, ...series(k));
            const want = model.get(`${t}/${k}`);
            if (want === undefined) model.set(`${t}/${k}`, id);
            else expect(id).toBe(want);
          }
        })();
        expect(idx.size).toBe(model.size);
        const again = new SeriesIndex(db);
        again.load();
        expect(again.size).toBe(model.size);
        for (const [tk, id] of model) {
          const [t, k] = tk.split('/').map(Number) as [number, number];
          expect(again.resolve(`t${t}`, ...series(k))).toBe(id);
          expect(again.byId(id)).toEqual(idx.byId(id));
        }
        expect(again.size).toBe(model.size);
      }),
      { numRuns: 30 },
    );
  });
});
