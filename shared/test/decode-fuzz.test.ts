import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WIRE_LIMITS, decodeAgentMessage, decodeCollectorMessage, type DecodeResult } from '../src/index.js';

/*
 * Property tests of every decoder with random and mutated input: a decoder
 * never throws, always answers with a coded reason, and never accepts what the
 * schema forbids. Mutations start from the golden fixtures so they reach deep
 * into the schemas instead of failing at JSON.parse.
 */
const dir = join(import.meta.dirname, 'fixtures');
const golden = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
const CODES = ['HM_MSG_TOO_LARGE', 'HM_MSG_NOT_JSON', 'HM_MSG_NOT_OBJECT', 'HM_MSG_UNKNOWN_TYPE', 'HM_MSG_INVALID'];

function wellFormed(res: DecodeResult<unknown>): void {
  expect(typeof res.ok).toBe('boolean');
  if (!res.ok) {
    expect(CODES).toContain(res.code);
    expect(res.reason.length).toBeGreaterThan(0);
    expect(res.reason.length).toBeLessThanOrEqual(300);
  }
}

/** Replaces, deletes or adds one field somewhere in a JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown, op: 'set' | 'delete' | 'add'): unknown {
  if (value === null || typeof value !== 'object') return op === 'delete' ? undefined : replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  if (entries.length === 0 || path.length === 0) {
    if (op === 'add' && !Array.isArray(value)) return { ...(value as object), extra_field: replacement };
    return op === 'delete' ? undefined : replacement;
  }
  const [head, ...rest] = path;
  const i = (head as number) % entries.length;
  const out = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const key = (entries[i] as readonly [string, unknown])[0];
  const next = mutate((entries[i] as readonly [string, unknown])[1], rest, replacement, op);
  if (next === undefined) {
    if (Array.isArray(out)) out.splice(Number(key), 1);
    else delete (out as Record<string, unknown>)[key];
  } else (out as Record<string, unknown>)[key] = next;
  return out;
}

const jsonish = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 20 }), fc.constant('__proto__'), fc.object({ maxDepth: 2 }), fc.array(fc.integer(), { maxLength: 4 }));
const mutation = fc.record({ path: fc.array(fc.nat(), { maxLength: 5 }), replacement: jsonish, op: fc.constantFrom('set' as const, 'delete' as const, 'add' as const) });

describe('decoder fuzzing', () => {
  const sides = [
    ['agent', decodeAgentMessage, ['hello', 'metrics', 'batch', 'gap']],
    ['collector', decodeCollectorMessage, ['welcome', 'ack', 'error']],
  ] as const;

  it.each(sides)('the %s decoder never throws on random bytes, strings or JSON', (_side, decode) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 6 }), fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a))), (input) => wellFormed(decode(input))),
      { numRuns: 1500 },
    );
  });

  it.each(sides)('the %s decoder answers every mutation of a golden message with ok or a coded reason', (_side, decode, names) => {
    fc.assert(
      fc.property(fc.constantFrom(...names), mutation, (name, m) => {
        const res = decode(JSON.stringify(mutate(golden(name), m.path, m.replacement, m.op)) ?? 'null');
        wellFormed(res);
        // An extra property is never accepted in a strict object: the message itself or a sample
        // (labels, facts and settings are open maps by design).
        if (m.op === 'add' && res.ok) {
          const msg = res.message as unknown as Record<string, unknown>;
          expect(Object.keys(msg)).not.toContain('extra_field');
          for (const sample of (msg.samples as Array<Record<string, unknown>> | undefined) ?? []) expect(Object.keys(sample)).not.toContain('extra_field');
        }
      }),
      { numRuns: 1500 },
    );
  });

  it.each(sides)('the %s decoder survives byte-level corruption of golden messages', (_side, decode, names) => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), (name, flips, cut) => {
        const bytes = Buffer.from(JSON.stringify(golden(name)));
        for (const [at, b] of flips) bytes[at % bytes.length] = b;
        wellFormed(decode(bytes));
        wellFormed(decode(bytes.subarray(0, cut % (bytes.length + 1))));
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses a type that cannot be turned into text instead of throwing', () => {
    for (const type of ['{"toString":null}', '{"valueOf":1,"toString":2}', '[]', 'null', '7']) {
      expect(decodeAgentMessage(`{"type":${type}}`)).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
      expect(decodeCollectorMessage(`{"type":${type}}`)).toMatchObject({ ok: false, code: 'HM_MSG_UNKNOWN_TYPE' });
    }
  });

  it('refuses a gap whose counts or sequences are out of range', () => {
    const base = golden('gap');
    for (const bad of [{ fromSeq: 0 }, { toSeq: -1 }, { droppedSamples: 1.5 }, { reason: 'other' }, { fromTs: -1 }, { epoch: 'bad epoch' }]) {
      expect(decodeAgentMessage(JSON.stringify({ ...base, ...bad }))).toMatchObject({ ok: false, code: 'HM_MSG_INVALID' });
    }
  });

  it('keeps memory bounded on hostile inputs near the size limit', () => {
    const before = process.memoryUsage().heapUsed;
    const wide = `{"type":"metrics","samples":[${'{"a":1},'.repeat(Math.floor(WIRE_LIMITS.maxMessageBytes / 8) - 10)}{}]}`;
    const deep = '{"a":'.repeat(50_000);
    for (let i = 0; i < 50; i++) {
      wellFormed(decodeAgentMessage(wide));
      wellFormed(decodeAgentMessage(deep));
      wellFormed(decodeAgentMessage(Buffer.alloc(WIRE_LIMITS.maxMessageBytes + 1, 0x7b)));
    }
    globalThis.gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
});
