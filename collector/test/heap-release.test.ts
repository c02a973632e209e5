import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { collectAllGarbage, HeapRelease } from '../src/service/heap-release.js';

function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('heap release after storage bursts', () => {
  it('compacts for slack only when the heap holds 16 MB and a fifth of itself unused, at most once per interval', async () => {
    const { log, lines } = capture();
    let calls = 0;
    let now = 0;
    let mem = { heapTotal: 95 * 2 ** 20, heapUsed: 80 * 2 ** 20, rss: 380 * 2 ** 20 };
    const release = new HeapRelease({ log, collect: async () => void calls++, memory: () => mem, now: () => now });
    release.checkSlack(); // 15 MB unused: under 16 MB
    mem = { ...mem, heapTotal: 200 * 2 ** 20, heapUsed: 170 * 2 ** 20 };
    release.checkSlack(); // 30 MB unused, but under a fifth of 200
    await settle();
    expect(calls).toBe(0);
    mem = { ...mem, heapTotal: 95 * 2 ** 20, heapUsed: 72 * 2 ** 20 };
    release.checkSlack();
    await settle();
    expect(calls).toBe(1);
    expect(lines.at(-1)).toMatchObject({ msg: 'heap compacted', slackMb: 23, heapTotalMb: [95, 95], rssMb: [380, 380] });
    // Five minutes apart at least.
    now = 299_000;
    release.checkSlack();
    await settle();
    expect(calls).toBe(1);
    now = 300_000;
    release.checkSlack();
    await settle();
    expect(calls).toBe(2);
  });

  it('runs one compaction at a time and logs a failure instead of throwing', async () => {
    const { log, lines } = capture();
    let finish: () => void = () => {};
    let calls = 0;
    const release = new HeapRelease({
      log,
      minIntervalMs: 0,
      memory: () => ({ heapTotal: 100 * 2 ** 20, heapUsed: 50 * 2 ** 20, rss: 300 * 2 ** 20 }),
      collect: () => {
        calls++;
        return calls === 1 ? new Promise<void>((r) => (finish = r)) : Promise.reject(new Error('inspector unavailable'));
      },
    });
    release.checkSlack();
    release.checkSlack();
    expect(calls).toBe(1);
    finish();
    await settle();
    release.checkSlack();
    await settle();
    expect(calls).toBe(2);
    expect(lines.find((l) => l.msg === 'heap compaction failed')).toMatchObject({ err: 'inspector unavailable' });
  });

  it('gives the pages of a grown old generation back to the system', async () => {
    // Objects that live long enough to be promoted, then dropped: the old generation keeps its pages.
    let keep: Array<{ a: number; b: string }> | undefined = Array.from({ length: 1_500_000 }, (_, i) => ({ a: i, b: `x${i}` }));
    await settle();
    const grown = process.memoryUsage().heapTotal;
    expect(keep.length).toBe(1_500_000);
    keep = undefined;
    await collectAllGarbage();
    const after = process.memoryUsage().heapTotal;
    expect(grown - after).toBeGreaterThan(50 * 2 ** 20);
  });
});
