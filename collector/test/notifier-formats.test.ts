import { describe, expect, it } from 'vitest';
import type { NotifierConfig } from '../src/config/schema.js';
import type { Notification } from '../src/notify/notification.js';
import { NOTIFIER_TYPES } from '../src/notify/registry.js';

const alert = {
  id: 'al_1',
  fingerprint: 'fp',
  status: 'firing' as const,
  rule: 'disk-almost-full',
  severity: 'critical',
  target: { id: 'h_1', name: 'lab-pc-07', kind: 'host', site: 'north-elementary' },
  metric: 'disk_used_percent',
  labels: { mount: '/' },
  value: 93.1,
  threshold: 90,
  startsAt: '2026-11-23T08:00:00.000Z',
  endsAt: null,
  summary: 'Disk / on lab-pc-07 is 93.1% full',
  url: 'https://collector.school.example/hosts/h_1',
};
const firing: Notification = { version: 1, status: 'firing', groupKey: 'oncall/disk-almost-full/north-elementary', alerts: [alert] };
const many: Notification = { ...firing, alerts: Array.from({ length: 40 }, (_, i) => ({ ...alert, id: `al_${i}`, summary: `${'x'.repeat(200)} ${i}` })) };
const meta = { deliveryId: 'msg_1', timestamp: 1_795_392_000 };
const cfg = (type: string, extra: Record<string, unknown> = {}): NotifierConfig => ({ name: 'n', type, url: 'https://example.org/x', allowPrivateNetwork: false, maxAttempts: 3, ...extra }) as NotifierConfig;
const build = (type: string, n: Notification, extra?: Record<string, unknown>) => NOTIFIER_TYPES.get(type)!.build!(cfg(type, extra), n, meta);

describe('chat formats over the same alert data', () => {
  it('has a notifier for every type the config allows except alertmanager', () => {
    for (const t of ['webhook', 'slack', 'teams', 'discord', 'ntfy', 'email']) expect(NOTIFIER_TYPES.has(t)).toBe(true);
  });

  it('slack: text fallback and a mrkdwn section with the summary and a link', () => {
    const body = JSON.parse(build('slack', firing).body) as { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> };
    expect(body.text).toBe('[FIRING] disk-almost-full · north-elementary');
    expect(body.blocks[0]?.text?.text).toContain('Disk / on lab-pc-07 is 93.1% full');
    expect(body.blocks[1]?.elements?.[0]?.text).toContain('https://collector.school.example/hosts/h_1');
    expect(JSON.parse(build('slack', many).body).blocks[0].text.text.length).toBeLessThanOrEqual(2900);
  });

  it('teams: an Adaptive Card with a coloured title and an open action', () => {
    const body = JSON.parse(build('teams', firing).body);
    const card = body.attachments[0].content;
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.type).toBe('AdaptiveCard');
    expect(card.body[0]).toMatchObject({ text: '[FIRING] disk-almost-full · north-elementary', color: 'Attention' });
    expect(card.actions[0].url).toBe(alert.url);
    const resolved = JSON.parse(build('teams', { ...firing, status: 'resolved', alerts: [{ ...alert, status: 'resolved', endsAt: '2026-11-23T09:00:00.000Z' }] }).body);
    expect(resolved.attachments[0].content.body[0].color).toBe('Good');
  });

  it('discord: one embed within limits, no mentions', () => {
    const body = JSON.parse(build('discord', many).body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0].color).toBe(0xc62828);
    expect(body.embeds[0].description.length).toBeLessThanOrEqual(4000);
    expect(body.embeds[0].description).toContain('… and 30 more');
  });

  it('ntfy: plain text body, priority and title headers, bearer token from secret', () => {
    const req = build('ntfy', firing, { secret: 'tk_abc' });
    expect(req.body).toContain('Disk / on lab-pc-07 is 93.1% full');
    expect(req.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', priority: '5', title: '[FIRING] disk-almost-full  north-elementary', click: alert.url, authorization: 'Bearer tk_abc' });
  });

  it('webhook: the PRODUCT.md body with Standard Webhooks headers', () => {
    const req = build('webhook', firing, { secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_aGVsbG8gd29ybGQgc2VjcmV0IGtleQ=='] });
    expect(JSON.parse(req.body)).toEqual(firing);
    expect(req.headers['webhook-id']).toBe('msg_1');
    expect(req.headers['webhook-timestamp']).toBe('1795392000');
    expect(req.headers['webhook-signature']?.split(' ')).toHaveLength(2);
  });
});
