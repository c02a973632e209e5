import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { COLLECTOR_ERRORS } from '../src/errors.js';

const productExample = {
  listen: '0.0.0.0:8470',
  dataDir: '/var/lib/hallmonitor',
  tls: { mode: 'auto' },
  notifiers: [{ name: 'oncall', type: 'webhook', url: 'https://hooks.example.org/hallmonitor', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', allowPrivateNetwork: false }],
  rules: [
    { name: 'disk-almost-full', metric: 'disk_used_percent', match: { mount: '/' }, scope: { site: 'north-elementary' }, op: '>', threshold: 90, recover: 85, for: '5m', severity: 'critical', notify: ['oncall'], summary: 'Disk {{labels.mount}} on {{target.name}} is {{value}}% full' },
  ],
  devices: [{ name: 'ap-library-01', address: '10.1.2.3', profile: 'unifi', snmp: { version: '2c', community: 'public' }, site: 'north-elementary', poller: 'closet-server' }],
};

function fails(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveConfig(raw, 'collector.yaml', {}, env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('collector config', () => {
  it("accepts PRODUCT.md's example and freezes it", () => {
    const c = resolveConfig(productExample, 'collector.yaml');
    expect(c.rules[0]?.recover).toBe(85);
    expect(Object.isFrozen(c.rules)).toBe(true);
  });

  it('fills defaults when there is no file', () => {
    const c = resolveConfig({}, '(defaults)', { dataDir: '/tmp/x y' });
    expect(c).toMatchObject({ listen: '0.0.0.0:8470', tls: { mode: 'auto' }, dataDir: '/tmp/x y', rules: [], notifiers: [] });
  });

  it('interpolates ${ENV} for secrets and names a missing variable', () => {
    const raw = { ...productExample, notifiers: [{ ...productExample.notifiers[0], secret: '${HM_SECRET}' }] };
    expect(resolveConfig(raw, 'f', {}, { HM_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).notifiers[0]?.secret).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(fails(raw)).toBe('collector.yaml: notifiers[0].secret: environment variable HM_SECRET is not set');
  });

  it.each([
    [{ listen: 'nope' }, /^collector\.yaml: listen: /],
    [{ tls: { mode: 'maybe' } }, /^collector\.yaml: tls\.mode: /],
    [{ rules: [{ ...productExample.rules[0], op: '=>' }] }, /^collector\.yaml: rules\[0\]\.op: /],
    [{ rules: [{ ...productExample.rules[0], for: 'five minutes' }] }, /^collector\.yaml: rules\[0\]\.for: /],
    [{ rules: [{ ...productExample.rules[0], threshold: 'high' }] }, /^collector\.yaml: rules\[0\]\.threshold: /],
    [{ ...productExample, rules: [{ ...productExample.rules[0], notify: ['pager'] }] }, /^collector\.yaml: rules\[0\]\.notify\[0\]: no notifier named pager$/],
    [{ notifiers: [{ ...productExample.notifiers[0], url: 'not a url' }] }, /notifiers\[0\]\.url: not a valid URL for notifier oncall/],
    [{ notifiers: [{ ...productExample.notifiers[0], url: 'file:///etc/passwd' }] }, /notifiers\[0\]\.url: scheme file: is not allowed/],
    [{ notifiers: [{ ...productExample.notifiers[0], secret: 'hunter2' }] }, /notifiers\[0\]\.secret: must be whsec_/],
    [{ tls: { mode: 'files' } }, /tls: mode files needs certFile and keyFile/],
    [{ listne: '1.2.3.4:1' }, /^collector\.yaml: /],
    [['a', 'list'], /must hold a YAML mapping/],
  ])('refuses %j with one line naming the field', (raw, message) => {
    const msg = fails(raw);
    expect(msg).toMatch(message);
    expect(msg).not.toContain('\n');
  });
});

describe('error registry', () => {
  it('has well-formed, unique codes with HTTP statuses', () => {
    for (const [code, e] of Object.entries(COLLECTOR_ERRORS)) {
      expect(code).toMatch(/^HM_[A-Z_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.message.length).toBeGreaterThan(5);
    }
  });
});
