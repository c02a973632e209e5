import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { enrollAgent, startTestCollector, waitUntil, type TestCollector } from './helpers.js';
import { hello, metrics, openProbe } from './ws-client.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let c: TestCollector | undefined;
let rx: WebhookReceiver | undefined;
afterEach(async () => {
  await c?.stop();
  await rx?.stop();
  c = undefined;
  rx = undefined;
});

const loadRule = { name: 'load-high', metric: 'load1', op: '>', threshold: 4, for: '0s', severity: 'critical', notify: ['oncall'] };

async function setup(extra: Record<string, unknown> = {}, agents = 1) {
  rx = new WebhookReceiver(SECRET);
  const url = await rx.start();
  c = await startTestCollector({ notifiers: [{ name: 'oncall', type: 'webhook', url, secret: SECRET, allowPrivateNetwork: true }], rules: [loadRule], ...extra });
  const probes = [];
  for (let i = 0; i < agents; i++) {
    const a = await enrollAgent(c, `lab-pc-${i}`, 'north');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello(a.agentId));
    await p.next('welcome');
    let seq = 0;
    probes.push({
      agent: a,
      async send(value: number, labels: Record<string, string> = {}) {
        p.ws.send(metrics(++seq, [{ name: 'load1', value, labels }]));
        await p.next('ack');
      },
      close: () => p.ws.close(),
    });
  }
  return probes;
}

const authAs = (role: 'admin' | 'operator' | 'viewer') => ({ authorization: `Bearer ${c!.app.ctx.apiKeys.create(role).key}` });

describe('notification policy', () => {
  it('a silence holds back notifications; expiring it lets the still-firing alert through', async () => {
    const [a] = await setup();
    const op = authAs('operator');
    const res = await c!.app.http.inject({ method: 'POST', url: '/api/v1/silences', headers: op, payload: { matchers: { target: 'lab-pc-0' }, duration: '1h', comment: 'reimaging lab 1' } });
    expect(res.statusCode).toBe(200);
    const silence = (res.json() as { silence: { id: string; author: string } }).silence;
    await a!.send(9);
    await new Promise((r) => setTimeout(r, 600));
    expect(rx!.received).toHaveLength(0);
    const alerts = (await c!.app.http.inject({ url: '/api/v1/alerts', headers: op })).json() as { alerts: Array<{ muted: string }> };
    expect(alerts.alerts[0]?.muted).toBe('silenced');
    await c!.app.http.inject({ method: 'DELETE', url: `/api/v1/silences/${silence.id}`, headers: op });
    await rx!.waitFor((r) => r.length === 1, 8000);
    expect(rx!.received[0]!.json.status).toBe('firing');
  });

  it('repeats a firing alert every repeatInterval until it is acknowledged', async () => {
    const [a] = await setup({ notify: { repeatInterval: '1s' } });
    await a!.send(9);
    await rx!.waitFor((r) => r.length >= 3, 8000);
    const ids = new Set(rx!.received.map((r) => (r.json.alerts as Array<{ id: string }>)[0]!.id));
    expect(ids.size).toBe(1);
    const alertId = [...ids][0]!;
    const ack = await c!.app.http.inject({ method: 'POST', url: `/api/v1/alerts/${alertId}/ack`, headers: authAs('operator') });
    expect(ack.statusCode).toBe(200);
    const n = rx!.received.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(rx!.received.length).toBeLessThanOrEqual(n + 1); // at most one already in flight
    const settled = rx!.received.length;
    await a!.send(0);
    await rx!.waitFor((r) => r.length === settled + 1, 8000);
    expect(rx!.received[settled]!.json.status).toBe('resolved'); // ack stops repeats, not the resolution
  });

  it('groups a burst of alerts into one notification per rule and site (group_wait)', async () => {
    const probes = await setup({ notify: { groupWait: '1500ms', groupInterval: '1m' } }, 8);
    await Promise.all(probes.map((p) => p.send(9)));
    await rx!.waitFor((r) => r.length >= 1, 8000);
    await new Promise((r) => setTimeout(r, 800));
    expect(rx!.received).toHaveLength(1);
    const body = rx!.received[0]!.json as { status: string; groupKey: string; alerts: unknown[] };
    expect(body.status).toBe('firing');
    expect(body.alerts).toHaveLength(8);
    expect(body.groupKey).toBe('oncall/load-high/north');
  });

  it('does not alert for a lab PC outside its expected-online schedule', async () => {
    // A schedule that is never on: every day, a one-minute window that has passed today... use holidays covering today.
    const today = new Date().toISOString().slice(0, 10);
    const [a] = await setup({
      agents: { interval: '1s', offlineAfterIntervals: 1 },
      schedules: [{ name: 'labs', timezone: 'UTC', days: ['mon'], hours: '00:00-00:01', holidays: [{ from: today, to: today }], match: { site: 'north' } }],
      rules: [loadRule, { name: 'agent-offline', metric: 'hallmonitor_target_up', op: '==', threshold: 0, for: '0s', severity: 'critical', notify: ['oncall'] }],
    });
    a!.close();
    await waitUntil(() => c!.app.ctx.targets.all().some((t) => c!.app.ctx.status(t) === 'expected_offline'), 8000, 'expected offline');
    await new Promise((r) => setTimeout(r, 1500));
    expect(rx!.received).toHaveLength(0);
  });

  it('raises agent-offline for a silent host that is expected online, and resolves when it returns', async () => {
    const [a] = await setup({
      agents: { interval: '1s', offlineAfterIntervals: 2 },
      rules: [{ name: 'agent-offline', metric: 'hallmonitor_target_up', op: '==', threshold: 0, for: '0s', severity: 'critical', notify: ['oncall'] }],
    });
    await a!.send(1);
    await new Promise((r) => setTimeout(r, 2200)); // past the start-up grace
    a!.close();
    await rx!.waitFor((r) => r.some((w) => w.json.status === 'firing'), 10_000);
    const fired = rx!.received.find((w) => w.json.status === 'firing')!;
    expect((fired.json.alerts as Array<Record<string, unknown>>)[0]).toMatchObject({ rule: 'agent-offline', metric: 'hallmonitor_target_up', value: 0, target: { name: 'lab-pc-0' } });
    const p = await openProbe(c!.url, a!.agent.bearer);
    p.ws.send(hello(a!.agent.agentId, 'epoch-2'));
    await p.next('welcome');
    p.ws.send(metrics(1, [{ name: 'load1', value: 1 }], 'epoch-2'));
    await rx!.waitFor((r) => r.some((w) => w.json.status === 'resolved'), 10_000);
    p.ws.close();
  });

  it('mutes a flapping alert', async () => {
    const [a] = await setup({ notify: { flapping: { transitions: 3, window: '1m' } } });
    for (let i = 0; i < 5; i++) {
      await a!.send(9);
      await a!.send(0);
    }
    await new Promise((r) => setTimeout(r, 800));
    // 3 transitions go out (firing, resolved, firing); from the 4th on the alert is flapping.
    expect(rx!.received.length).toBe(3);
    const last = (await c!.app.http.inject({ url: '/api/v1/alerts?state=all&limit=1', headers: authAs('viewer') })).json() as { alerts: Array<{ status: string }> };
    expect(last.alerts).toHaveLength(1);
  });

  it('sends a test notification to a notifier (admin only)', async () => {
    await setup();
    expect((await c!.app.http.inject({ method: 'POST', url: '/api/v1/notifiers/oncall/test', headers: authAs('operator') })).statusCode).toBe(403);
    const res = await c!.app.http.inject({ method: 'POST', url: '/api/v1/notifiers/oncall/test', headers: authAs('admin') });
    expect(res.statusCode).toBe(200);
    await rx!.waitFor((r) => r.length === 1);
    expect(rx!.received[0]!.signatureOk).toBe(true);
    const list = (await c!.app.http.inject({ url: '/api/v1/notifications', headers: authAs('viewer') })).json() as { notifications: Array<{ state: string; attempts: Array<{ status: number }> }> };
    await waitUntil(() => c!.app.ctx.outbox.list()[0]?.state === 'delivered');
    expect(list.notifications).toHaveLength(1);
  });
});
