import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeWriteRequest, encodeWriteRequest, splitWriteRequest } from '../../src/export/remote-write-proto.js';
import { snappyCompress, snappyDecompress } from '../../src/export/snappy.js';

// snappyjs (the storage bench's dependency) is an independent implementation to check against.
const snappyjs = createRequire(new URL('../../../scripts/package.json', import.meta.url))('snappyjs') as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };

describe('remote-write protobuf', () => {
  it('round-trips labels, values (NaN, ±Inf, -0) and millisecond timestamps beyond 2^32', () => {
    const series = [
      { labels: [['__name__', 'disk_used_percent'], ['instance', 'lab-pc-07'], ['mount', '/'], ['site', 'nörth "x"\n']] as Array<[string, string]>, samples: [[1_764_000_000_123, 93.1], [1_764_000_015_123, NaN]] as Array<[number, number]> },
      { labels: [['__name__', 'up']] as Array<[string, string]>, samples: [[0, Infinity], [1, -Infinity], [2 ** 47 - 1, -0]] as Array<[number, number]> },
    ];
    const back = decodeWriteRequest(encodeWriteRequest(series));
    expect(back.map((s) => s.labels)).toEqual(series.map((s) => s.labels));
    expect(back[0]?.samples[0]).toEqual([1_764_000_000_123, 93.1]);
    expect(Number.isNaN(back[0]?.samples[1]?.[1])).toBe(true);
    expect(back[1]?.samples).toEqual([[0, Infinity], [1, -Infinity], [2 ** 47 - 1, -0]]);
  });

  it('splits a request into its series, and any subset is again a valid request', () => {
    const series = Array.from({ length: 7 }, (_, i) => ({ labels: [['__name__', `m${i}`]] as Array<[string, string]>, samples: [[i, i]] as Array<[number, number]> }));
    const parts = splitWriteRequest(encodeWriteRequest(series));
    expect(parts).toHaveLength(7);
    expect(decodeWriteRequest(Buffer.concat(parts.slice(2, 5))).map((s) => s.labels[0]?.[1])).toEqual(['m2', 'm3', 'm4']);
  });
});

describe('snappy', () => {
  const inputs: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    tiny: Buffer.from('abc'),
    random: randomBytes(200_000),
    repetitive: Buffer.from('instance="lab-pc-07",site="north"'.repeat(5000)),
    runs: Buffer.alloc(300_000, 7),
    mixed: Buffer.concat([randomBytes(70_000), Buffer.alloc(70_000, 1), randomBytes(10), Buffer.from('x'.repeat(65_600))]),
  };
  for (const [name, input] of Object.entries(inputs)) {
    it(`round-trips ${name} data through our decoder and snappyjs`, () => {
      const z = snappyCompress(input);
      expect(Buffer.from(snappyDecompress(z)).equals(Buffer.from(input))).toBe(true);
      expect(Buffer.from(snappyjs.uncompress(z)).equals(Buffer.from(input))).toBe(true);
      expect(Buffer.from(snappyDecompress(snappyjs.compress(input))).equals(Buffer.from(input))).toBe(true);
    });
  }

  it('compresses repetitive label text well', () => {
    expect(snappyCompress(inputs.repetitive as Uint8Array).length).toBeLessThan((inputs.repetitive as Uint8Array).length / 10);
  });

  it('refuses malformed input', () => {
    expect(() => snappyDecompress(Uint8Array.from([10, 0x0d, 5]))).toThrow(/snappy/);
  });
});
