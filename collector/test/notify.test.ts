import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { enrollAgent, startTestCollector, waitUntil, type TestCollector } from './helpers.js';
import { hello, metrics, openProbe, type WsProbe } from './ws-client.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let c: TestCollector | undefined;
let rx: WebhookReceiver | undefined;
afterEach(async () => {
  await c?.stop();
  await rx?.stop();
  c = undefined;
  rx = undefined;
});

async function setup(notifier: Record<string, unknown> = {}): Promise<{ probe: WsProbe; send: (seq: number, value: number) => Promise<void> }> {
  rx = new WebhookReceiver(SECRET);
  const url = await rx.start();
  c = await startTestCollector(
    {
      notifiers: [{ name: 'oncall', type: 'webhook', url, secret: SECRET, allowPrivateNetwork: true, maxAttempts: 4, ...notifier }],
      rules: [{ name: 'load-high', metric: 'load1', op: '>', threshold: 4, for: '0s', severity: 'critical', notify: ['oncall'], summary: 'Load on {{target.name}} is {{value}}' }],
    },
    { notifyRetry: { baseDelayMs: 200, maxDelayMs: 400 } },
  );
  const a = await enrollAgent(c, 'lab-pc-07', 'north');
  const probe = await openProbe(c.url, a.bearer);
  probe.ws.send(hello(a.agentId));
  await probe.next('welcome');
  return {
    probe,
    async send(seq, value) {
      probe.ws.send(metrics(seq, [{ name: 'load1', value }]));
      await probe.next('ack');
    },
  };
}

describe('webhook notifications', () => {
  it('sends a signed firing and then a resolved webhook with the PRODUCT.md body', async () => {
    const { send, probe } = await setup();
    await send(1, 9.5);
    await rx!.waitFor((r) => r.length === 1);
    await send(2, 0.5);
    await rx!.waitFor((r) => r.length === 2);
    const [firing, resolved] = rx!.received;
    expect(firing!.signatureOk).toBe(true);
    expect(firing!.headers['content-type']).toBe('application/json');
    expect(firing!.json).toMatchObject({
      version: 1,
      status: 'firing',
      groupKey: expect.any(String),
      alerts: [{ status: 'firing', rule: 'load-high', severity: 'critical', target: { name: 'lab-pc-07', kind: 'host', site: 'north' }, metric: 'load1', labels: {}, value: 9.5, threshold: 4, endsAt: null, summary: 'Load on lab-pc-07 is 9.5' }],
    });
    expect(resolved!.signatureOk).toBe(true);
    const fa = (firing!.json.alerts as Array<Record<string, unknown>>)[0]!;
    const ra = (resolved!.json.alerts as Array<Record<string, unknown>>)[0]!;
    expect(ra).toMatchObject({ status: 'resolved', id: fa.id, fingerprint: fa.fingerprint, startsAt: fa.startsAt, endsAt: expect.stringMatching(/^\d{4}-/) });
    expect(resolved!.headers['webhook-id']).not.toBe(firing!.headers['webhook-id']);
    probe.ws.close();
  });

  it('retries a failing receiver with the same webhook-id, honouring Retry-After', async () => {
    const { send } = await setup();
    rx!.reply({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    await send(1, 9);
    await rx!.waitFor((r) => r.length === 3);
    const ids = new Set(rx!.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const gap = rx!.received[2]!.at - rx!.received[1]!.at;
    expect(gap).toBeGreaterThanOrEqual(950);
    await waitUntil(() => c!.app.ctx.outbox.list()[0]?.state === 'delivered');
    const rows = c!.app.ctx.outbox.list();
    expect(rows[0]).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(c!.app.ctx.outbox.attempts(rows[0]!.id).map((a) => a.status)).toEqual([500, 429, 200]);
  });

  it('stops on 410 and disables the endpoint until re-enabled; does not follow redirects', async () => {
    const { send } = await setup();
    rx!.reply({ status: 410 });
    await send(1, 9);
    await rx!.waitFor((r) => r.length === 1);
    await waitUntil(() => c!.app.ctx.outbox.list()[0]?.state === 'failed');
    expect(c!.app.ctx.outbox.list()[0]).toMatchObject({ state: 'failed', last_status: 410 });

    // While disabled, the resolved notification is not even attempted.
    await send(2, 0);
    await waitUntil(() => c!.app.ctx.outbox.list().length === 2 && c!.app.ctx.outbox.list()[0]?.state === 'failed');
    expect(c!.app.ctx.outbox.list()[0]?.last_error).toMatch(/disabled/);
    expect(rx!.received).toHaveLength(1);

    const admin = { authorization: `Bearer ${c!.app.ctx.apiKeys.create('admin').key}` };
    const en = await c!.app.http.inject({ method: 'POST', url: '/api/v1/notifiers/oncall/enable', headers: admin });
    expect(en.json()).toEqual({ enabled: true });

    rx!.reply({ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }, { status: 200 });
    await send(3, 9);
    await rx!.waitFor((r) => r.length === 3);
    expect(rx!.received.every((r) => r.headers.host?.startsWith('127.0.0.1'))).toBe(true);
    await waitUntil(() => c!.app.ctx.outbox.list()[0]?.state === 'delivered');
    const row = c!.app.ctx.outbox.list()[0]!;
    expect(c!.app.ctx.outbox.attempts(row.id).map((a) => a.status)).toEqual([301, 200]);
  });

  it('refuses to deliver to loopback unless the notifier allows private networks', async () => {
    const { send } = await setup({ allowPrivateNetwork: false });
    await send(1, 9);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx!.received).toHaveLength(0);
    expect(c!.app.ctx.outbox.list()[0]).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/loopback/) });
  });

  it('gives up after maxAttempts', async () => {
    const { send } = await setup();
    rx!.reply({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await send(1, 9);
    await rx!.waitFor((r) => r.length === 4);
    await new Promise((r) => setTimeout(r, 900));
    expect(rx!.received).toHaveLength(4);
    expect(c!.app.ctx.outbox.list()[0]).toMatchObject({ state: 'failed', attempts: 4 });
  });
});
