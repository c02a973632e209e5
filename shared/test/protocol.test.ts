import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  WIRE_LIMITS,
  decodeAgentMessage,
  decodeCollectorMessage,
  fromWireValue,
  isProtocolSupported,
  toWireValue,
} from '../src/index.js';

const dir = join(import.meta.dirname, 'fixtures');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('golden fixtures', () => {
  it.each(['hello', 'metrics', 'gap', 'targets'])('%s decodes as an agent message', (name) => {
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
