import { describe, expect, it } from 'vitest';
import { LatestValues, type SeriesName } from '../../src/storage/latest.js';

describe('LatestValues', () => {
  const names = new Map<number, SeriesName>([
    [1, { targetId: 'h1', metric: 'cpu_usage_percent', labels: {} }],
    [2, { targetId: 'h1', metric: 'disk_used_percent', labels: { mount: '/' } }],
    [7, { targetId: 'h2', metric: 'cpu_usage_percent', labels: {} }],
  ]);

  it('keeps the newest value per stored series by id and per synthetic series by key; older samples never win', () => {
    const l = new LatestValues((id) => names.get(id));
    expect(l.offer('h1', { metric: 'cpu_usage_percent', labels: {}, ts: 2000, value: 5 }, 1)).toBe(true);
    expect(l.offer('h1', { metric: 'cpu_usage_percent', labels: {}, ts: 1000, value: 99 }, 1)).toBe(false);
    expect(l.offer('h1', { metric: 'disk_used_percent', labels: { mount: '/' }, ts: 1000, value: 40 }, 2)).toBe(true);
    expect(l.offer('h2', { metric: 'cpu_usage_percent', labels: {}, ts: 3000, value: 7 }, 7)).toBe(true);
    // Synthetic: no series id.
    expect(l.offer('h1', { metric: 'hallmonitor_target_up', labels: {}, ts: 5000, value: 1 })).toBe(true);
    expect(l.offer('h1', { metric: 'hallmonitor_target_up', labels: {}, ts: 4000, value: 0 })).toBe(false);
    // An id storage does not know (a rolled-back series) is kept by key instead of being lost.
    expect(l.offer('h2', { metric: 'temperature', labels: { sensor: 'cpu' }, ts: 10, value: 50 }, 999)).toBe(true);
    expect(l.size).toBe(5);
    expect(l.forTarget('h1')).toEqual([
      { targetId: 'h1', metric: 'cpu_usage_percent', labels: {}, ts: 2000, value: 5, seriesId: 1 },
      { targetId: 'h1', metric: 'disk_used_percent', labels: { mount: '/' }, ts: 1000, value: 40, seriesId: 2 },
      expect.objectContaining({ targetId: 'h1', metric: 'hallmonitor_target_up', labels: {}, ts: 5000, value: 1 }),
    ]);
    expect([...l.all()].map((s) => `${s.targetId}/${s.metric}=${s.value}`).sort()).toEqual(['h1/cpu_usage_percent=5', 'h1/disk_used_percent=40', 'h1/hallmonitor_target_up=1', 'h2/cpu_usage_percent=7', 'h2/temperature=50']);
    expect(l.forTarget('nobody')).toEqual([]);
  });

  it('checks stored ids with `has` per sample, naming them only when read', () => {
    let named = 0;
    const l = new LatestValues(
      (id) => {
        named++;
        return names.get(id);
      },
      (id) => names.has(id),
    );
    expect(l.offer('h1', { metric: 'cpu_usage_percent', labels: {}, ts: 2000, value: 5 }, 1)).toBe(true);
    expect(l.offer('h1', { metric: 'cpu_usage_percent', labels: {}, ts: 3000, value: 6 }, 1)).toBe(true);
    expect(l.offer('h2', { metric: 'temperature', labels: {}, ts: 10, value: 50 }, 999)).toBe(true);
    expect(named).toBe(0);
    expect(l.forTarget('h1')).toEqual([{ targetId: 'h1', metric: 'cpu_usage_percent', labels: {}, ts: 3000, value: 6, seriesId: 1 }]);
    expect(named).toBe(1);
  });

  it('grows past thousands of series ids', () => {
    const many = (id: number): SeriesName => ({ targetId: `h${id % 10}`, metric: 'm', labels: { i: String(id) } });
    const l = new LatestValues(many);
    for (let id = 1; id <= 20_000; id++) l.offer(`h${id % 10}`, { metric: 'm', labels: { i: String(id) }, ts: id, value: id / 2 }, id);
    expect(l.size).toBe(20_000);
    expect(l.forTarget('h3')).toHaveLength(2000);
    expect(l.forTarget('h3').find((s) => s.seriesId === 19_993)?.value).toBe(19_993 / 2);
  });
});
