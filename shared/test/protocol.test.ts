import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  SeriesDictionary,
  WIRE_LIMITS,
  batchTimestamp,
  decodeAgentMessage,
  decodeCollectorMessage,
  fromWireValue,
  isProtocolSupported,
  toWireValue,
  type WireSample,
} from '../src/index.js';

const dir = join(import.meta.dirname, 'fixtures');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('golden fixtures', () => {
  it.each(['hello', 'metrics', 'batch', 'gap', 'targets'])('%s decodes as an agent message', (name) => {
    const res = decodeAgentMessage(read(`${name}.json`));
    expect(res.ok, JSON.stringify(res)).toBe(true);
    if (res.ok) expect(res.message.type).toBe(name);
  });

  it.each(['welcome', 'ack', 'error', 'settings'])('%s decodes as a collector message', (name) => {
    const res = decodeCollectorMessage(read(`${name}.json`));
    expect(res.ok, JSON.stringify(res)).toBe(true);
    if (res.ok) expect(res.message.type).toBe(name);
  });

  it('agent messages are not accepted from the collector side and vice versa', () => {
    expect(decodeCollectorMessage(read('hello.json'))).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
    expect(decodeAgentMessage(read('ack.json'))).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
  });

  it.each(readdirSync(join(dir, 'invalid')))('invalid/%s is refused with a reason', (file) => {
    const res = decodeAgentMessage(readFileSync(join(dir, 'invalid', file)));
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.code).toBe('HM_MSG_INVALID');
      expect(res.reason).toMatch(/invalid (metrics|hello) message at \//);
    }
  });
});

describe('decoder limits', () => {
  it('refuses messages over the size limit before parsing', () => {
    const big = JSON.stringify({ v: 1, type: 'hello', pad: 'x'.repeat(WIRE_LIMITS.maxMessageBytes) });
    expect(decodeAgentMessage(big)).toMatchObject({ ok: false, code: 'HM_MSG_TOO_LARGE' });
  });

  it('refuses deep nesting', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(decodeAgentMessage(deep)).toMatchObject({ ok: false, code: 'HM_MSG_INVALID' });
  });

  it('refuses non-JSON, non-objects and unknown types', () => {
    expect(decodeAgentMessage('{nope')).toMatchObject({ ok: false, code: 'HM_MSG_NOT_JSON' });
    expect(decodeAgentMessage('[1,2]')).toMatchObject({ ok: false, code: 'HM_MSG_NOT_OBJECT' });
    expect(decodeAgentMessage('{"type":"constructor"}')).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
    expect(decodeAgentMessage('{"type":"__proto__"}')).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
  });

  it('refuses more samples than a batch may hold', () => {
    const sample = { name: 'load1', labels: {}, value: 1, timestamp: 1 };
    const msg = { v: 1, type: 'metrics', epoch: 'e', seq: 1, samples: Array.from({ length: WIRE_LIMITS.maxSamplesPerBatch + 1 }, () => sample) };
    expect(decodeAgentMessage(JSON.stringify(msg))).toMatchObject({ ok: false, code: 'HM_MSG_INVALID' });
  });

  it('never throws on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a))), (input) => {
        const res = decodeAgentMessage(input);
        expect(typeof res.ok).toBe('boolean');
        if (!res.ok) expect(res.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a mutated golden metrics message with a wrong-typed field', () => {
    const base = JSON.parse(read('metrics.json')) as Record<string, unknown>;
    fc.assert(
      fc.property(fc.constantFrom('v', 'seq', 'epoch', 'samples', 'type'), fc.oneof(fc.constant(null), fc.boolean(), fc.object()), (key, bad) => {
        const res = decodeAgentMessage(JSON.stringify({ ...base, [key]: bad }));
        expect(res.ok).toBe(false);
      }),
    );
  });
});

describe('versions and values', () => {
  it('accepts versions between the floor and the current one only', () => {
    expect(MIN_PROTOCOL_VERSION).toBeLessThanOrEqual(PROTOCOL_VERSION);
    expect(isProtocolSupported(PROTOCOL_VERSION)).toBe(true);
    expect(isProtocolSupported(MIN_PROTOCOL_VERSION - 1)).toBe(false);
    expect(isProtocolSupported(PROTOCOL_VERSION + 1)).toBe(false);
    expect(isProtocolSupported(1.5)).toBe(false);
  });

  it('round-trips non-finite values through the wire encoding', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e308, -5e-324]) {
      expect(Object.is(fromWireValue(toWireValue(v)), v)).toBe(true);
    }
  });
});

describe('device samples', () => {
  it('accepts a sample tagged with a device target key and refuses a malformed key', () => {
    const base = { v: 2, type: 'metrics', epoch: 'e', seq: 1 };
    const ok = decodeAgentMessage(JSON.stringify({ ...base, samples: [{ name: 'wifi_ap_clients', labels: {}, value: 12, timestamp: 1, target: 'wlc-main/00:11:22:33:44:01' }] }));
    expect(ok.ok).toBe(true);
    for (const bad of ['', '/leading', 'has space', 'x'.repeat(200)]) {
      expect(decodeAgentMessage(JSON.stringify({ ...base, samples: [{ name: 'wifi_ap_clients', labels: {}, value: 1, timestamp: 1, target: bad }] })).ok).toBe(false);
    }
  });
});

describe('protocol 3 batches', () => {
  const sample = (name: string, labels: Record<string, string>, value: number | 'NaN', timestamp: number, target?: string): WireSample => ({ name, labels, value, timestamp, ...(target ? { target } : {}) });

  it('numbers series once per dictionary, in order, and decodes back to the same samples', () => {
    const dict = new SeriesDictionary();
    const round1 = [sample('cpu_usage_percent', {}, 12.5, 1000), sample('disk_used_percent', { mount: '/' }, 93.1, 1000), sample('wifi_ap_clients', {}, 'NaN', 1400, 'ap-1')];
    const m1 = dict.encode('e', 1, round1);
    expect(m1.defs?.map((d) => d.id)).toEqual([0, 1, 2]);
    expect(m1.defs?.[2]).toMatchObject({ target: 'ap-1' });
    expect(m1).toMatchObject({ t: 1000, ids: [0, 1, 2], values: [12.5, 93.1, 'NaN'], dt: [0, 0, 400] });
    const decoded = decodeAgentMessage(JSON.stringify(m1));
    expect(decoded.ok).toBe(true);
    // Labels given in another order name the same series; a new one gets the next id.
    const m2 = dict.encode('e', 2, [sample('disk_used_percent', { mount: '/' }, 93.2, 2000), sample('load1', {}, 0.5, 2000)]);
    expect(m2.defs).toEqual([{ id: 3, name: 'load1', labels: {} }]);
    expect(m2.ids).toEqual([1, 3]);
    expect(m2.dt).toBeUndefined();
    expect([0, 1].map((i) => batchTimestamp(m2, i))).toEqual([2000, 2000]);
  });

  it('forgets what a message that was never sent defined, so the next one defines it', () => {
    const dict = new SeriesDictionary();
    dict.encode('e', 1, [sample('load1', {}, 1, 1)]);
    const unsent = dict.encode('e', 2, [sample('load1', {}, 1, 2), sample('load5', {}, 1, 2)]);
    dict.forget(unsent);
    expect(dict.size).toBe(1);
    const next = dict.encode('e', 3, [sample('load5', {}, 1, 3)]);
    expect(next.defs).toEqual([{ id: 1, name: 'load5', labels: {} }]);
  });

  it('refuses what the schema alone would let through', () => {
    const base = { v: 3, type: 'batch', epoch: 'e', seq: 1, t: 10 };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ids: [0, 1], values: [1] }, /values has 1 entries, ids 2/],
      [{ ids: [0], values: [1], dt: [1, 2] }, /dt has 2 entries, ids 1/],
      [{ ids: [0], values: [1], dt: [-11] }, /timestamp -1 out of range/],
      [{ defs: [{ id: 0, name: 'load1', labels: {} }, { id: 0, name: 'load5', labels: {} }], ids: [], values: [] }, /series 0 defined twice/],
      [{ ids: [WIRE_LIMITS.maxSeriesPerConnection], values: [1] }, /invalid batch message at \/ids/],
    ];
    for (const [extra, reason] of cases) {
      const res = decodeAgentMessage(JSON.stringify({ ...base, ...extra }));
      expect(res).toMatchObject({ ok: false, code: 'HM_MSG_INVALID' });
      if (!res.ok) expect(res.reason).toMatch(reason);
    }
  });

  it('keeps a 60-sample round at a fraction of the per-sample encoding', () => {
    const round = Array.from({ length: 60 }, (_, i) => sample(i % 2 ? 'disk_used_percent' : 'network_receive_bytes_per_second', i % 2 ? { mount: `/m${i}` } : { interface: `eth${i}` }, 1234.56 + i, 1_795_392_000_000));
    const dict = new SeriesDictionary();
    const first = JSON.stringify(dict.encode('k3J9xQm2Lr8Tz1Ab', 1, round)).length;
    const steady = JSON.stringify(dict.encode('k3J9xQm2Lr8Tz1Ab', 2, round)).length;
    const perSample = JSON.stringify({ v: 2, type: 'metrics', epoch: 'k3J9xQm2Lr8Tz1Ab', seq: 2, samples: round }).length;
    expect(first).toBeLessThan(perSample);
    expect(steady * 5).toBeLessThan(perSample);
  });
});
