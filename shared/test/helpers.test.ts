import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import {
  checkConfig,
  formatEnrollmentToken,
  parseDuration,
  formatDuration,
  labelsKey,
  labelsMatch,
  parseEnrollmentToken,
  signWebhook,
  verifyWebhook,
} from '../src/index.js';

describe('durations', () => {
  it('parses the config forms', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('1.5s')).toBe(1500);
    for (const bad of ['', '5', 'm5', '-1s', '5 minutes', '1e3s']) expect(parseDuration(bad)).toBeUndefined();
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});

describe('labels', () => {
  it('keys label sets independently of order', () => {
    expect(labelsKey({ b: '2', a: '1' })).toBe(labelsKey({ a: '1', b: '2' }));
    expect(labelsKey({})).toBe('{}');
    // The key is the series identity in existing databases: it must stay the text of the original definition.
    const original = (l: Record<string, string>): string => {
      const names = Object.keys(l).sort();
      return names.length === 0 ? '{}' : JSON.stringify(Object.fromEntries(names.map((n) => [n, l[n]])));
    };
    fc.assert(fc.property(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('10', '9', 'a', '__proto__', 'mount', 'é"\\\n')), fc.string({ unit: 'binary' }), { maxKeys: 8 }), (l) => {
      expect(labelsKey(l)).toBe(original(l));
    }), { numRuns: 2000 });
    expect(labelsKey({ mount: 'C:\\', iface: 'eth0' })).toBe('{"iface":"eth0","mount":"C:\\\\"}');
    expect(labelsMatch({ mount: '/', x: 'y' }, { mount: '/' })).toBe(true);
    expect(labelsMatch({ mount: '/home' }, { mount: '/' })).toBe(false);
  });
});

describe('enrollment tokens', () => {
  it('round-trips secret and pin', () => {
    const pin = 'sha256/MJN13ufr0C5w9a3d35EAppZdnmIh72j+XHGJjqPgxJM=';
    const t = formatEnrollmentToken('wqatqMjSfnW9DEb-brO-uwKMnqFEZvq-', pin);
    expect(parseEnrollmentToken(t)).toEqual({ secret: 'wqatqMjSfnW9DEb-brO-uwKMnqFEZvq-', pin });
    expect(parseEnrollmentToken(formatEnrollmentToken('wqatqMjSfnW9DEb-brO-uwKMnqFEZvq-'))).toEqual({ secret: 'wqatqMjSfnW9DEb-brO-uwKMnqFEZvq-' });
    expect(parseEnrollmentToken('hm1.short')).toBeUndefined();
    expect(parseEnrollmentToken('garbage')).toBeUndefined();
  });
});

describe('webhook signatures (Standard Webhooks)', () => {
  // Test vector from the Standard Webhooks reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const input = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' };

  it('matches the reference signature', () => {
    expect(signWebhook([secret], input)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies, refuses tampering and stale timestamps, and accepts any of two rotated signatures', () => {
    const header = signWebhook([secret], input);
    expect(verifyWebhook(secret, input, header, input.timestamp)).toBe(true);
    expect(verifyWebhook(secret, { ...input, body: '{"test": 1}' }, header, input.timestamp)).toBe(false);
    expect(verifyWebhook(secret, input, header, input.timestamp + 301)).toBe(false);
    const other = 'whsec_aGVsbG8gd29ybGQgc2VjcmV0IGtleQ==';
    const both = signWebhook([other, secret], input);
    expect(both.split(' ')).toHaveLength(2);
    expect(verifyWebhook(secret, input, both, input.timestamp)).toBe(true);
    expect(verifyWebhook(other, input, both, input.timestamp)).toBe(true);
  });
});

describe('config checking', () => {
  const S = Type.Object({ a: Type.Object({ b: Type.Integer({ default: 3 }) }, { default: {} }), list: Type.Array(Type.Object({ n: Type.String() }), { default: [] }) }, { additionalProperties: false });

  it('applies defaults and freezes', () => {
    const res = checkConfig(S, {});
    expect(res).toMatchObject({ ok: true, value: { a: { b: 3 }, list: [] } });
    if (res.ok) expect(Object.isFrozen(res.value.a)).toBe(true);
  });

  it('names the failing field in dotted form', () => {
    expect(checkConfig(S, { list: [{ n: 'x' }, { n: 5 }] })).toMatchObject({ ok: false, field: 'list[1].n' });
    expect(checkConfig(S, { a: { b: 'x' } })).toMatchObject({ ok: false, field: 'a.b' });
    expect(checkConfig(S, { zzz: 1 })).toMatchObject({ ok: false });
  });
});
