import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { AGENT_BIN, COLLECTOR_BIN, apiRequest, runCommand, startProcess, waitFor, type RunningProcess } from '../support/processes.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/*
 * The foundation's spine with real processes: collector (TLS on, the default)
 * and agent started from their CLIs, enrollment through a token, samples read
 * back through the API, a rule firing and resolving, and a real receiver
 * verifying the signed webhooks.
 */
describe('agent → collector → webhook, end to end', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm e2e '));
  const procs: RunningProcess[] = [];
  const rx = new WebhookReceiver(SECRET);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a signed firing and a resolved webhook for a rule on a real metric', async () => {
    const hookUrl = await rx.start();
    // uptime only grows: a rule "uptime below now+12s" fires at once and resolves by itself ~12 s later.
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const threshold = Math.floor(uptime) + 12;
    const dataDir = join(dir, 'collector data');
    const configFile = join(dir, 'collector config.yaml');
    writeFileSync(
      configFile,
      [
        'listen: 127.0.0.1:0',
        'notifiers:',
        '  - name: oncall',
        '    type: webhook',
        `    url: ${hookUrl}`,
        '    secret: ${E2E_WEBHOOK_SECRET}',
        '    allowPrivateNetwork: true',
        'rules:',
        '  - name: uptime-below-mark',
        '    metric: uptime_seconds',
        '    op: "<"',
        `    threshold: ${threshold}`,
        '    for: 0s',
        '    severity: warning',
        '    notify: [oncall]',
        '    summary: "{{target.name}} has been up {{value}} s"',
        '',
      ].join('\n'),
    );
    const env = { E2E_WEBHOOK_SECRET: SECRET };
    const collector = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', configFile, '--data-dir', dataDir], env);
    procs.push(collector);
    const line = await collector.waitForLine(/"msg":"collector listening"/);
    const url = (JSON.parse(line) as { url: string }).url;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8');

    const tok = await runCommand(process.execPath, [COLLECTOR_BIN, 'token', 'create', '--config', configFile, '--data-dir', dataDir, '--site', 'north-elementary', '--json'], env);
    expect(tok.code, tok.stderr).toBe(0);
    const { token } = JSON.parse(tok.stdout) as { token: string };
    const key = (JSON.parse((await runCommand(process.execPath, [COLLECTOR_BIN, 'apikey', 'create', '--role', 'operator', '--data-dir', dataDir, '--json'])).stdout) as { key: string }).key;

    const agentConfig = join(dir, 'agent config', 'agent.yaml');
    const enroll = await runCommand(process.execPath, [AGENT_BIN, 'enroll', '--collector', url, '--token', token, '--config', agentConfig, '--name', 'lab-pc-07', '--label', 'room=library']);
    expect(enroll.code, enroll.stderr).toBe(0);
    expect(statSync(agentConfig).mode & 0o777).toBe(0o600);
    expect(enroll.stdout + enroll.stderr).not.toContain(token);

    const agent = startProcess(process.execPath, [AGENT_BIN, 'run', '--config', agentConfig, '--interval', '1s']);
    procs.push(agent);

    const host = await waitFor(async () => {
      const res = await apiRequest(`${url}/api/v1/hosts`, { key, ca });
      return (res.json as { hosts: Array<Record<string, string>> }).hosts.find((h) => h.name === 'lab-pc-07' && h.status === 'up');
    }, 20_000, 'host up');
    expect(host).toMatchObject({ kind: 'host', site: 'north-elementary', room: 'library' });
    expect(Date.parse(host.lastSeen as string)).toBeGreaterThan(Date.now() - 60_000);

    const series = await waitFor(async () => {
      const res = await apiRequest(`${url}/api/v1/hosts/${host.id}/series?metric=cpu_usage_percent&from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`, { key, ca });
      const s = (res.json as { series: Array<{ points: Array<[number, number]> }> }).series;
      return s[0] && s[0].points.length >= 2 ? s : undefined;
    }, 20_000, 'cpu series with two points');
    const pts = series[0]!.points;
    expect(pts[1]![0]).toBeGreaterThan(pts[0]![0]);
    expect(pts.every(([, v]) => v >= 0 && v <= 100)).toBe(true);

    await rx.waitFor((r) => r.some((w) => w.json.status === 'firing'), 20_000);
    const firing = rx.received.find((w) => w.json.status === 'firing')!;
    expect(firing.signatureOk).toBe(true);
    const alert = (firing.json.alerts as Array<Record<string, unknown>>)[0]!;
    expect(alert).toMatchObject({ rule: 'uptime-below-mark', status: 'firing', severity: 'warning', metric: 'uptime_seconds', threshold, endsAt: null, target: { id: host.id, name: 'lab-pc-07', kind: 'host', site: 'north-elementary' } });
    expect(alert.summary).toMatch(/^lab-pc-07 has been up \d+(\.\d+)? s$/);

    const firingList = await apiRequest(`${url}/api/v1/alerts?state=firing`, { key, ca });
    expect((firingList.json as { alerts: Array<{ id: string }> }).alerts.map((a) => a.id)).toContain(alert.id);

    await rx.waitFor((r) => r.some((w) => w.json.status === 'resolved'), 30_000);
    const resolved = rx.received.find((w) => w.json.status === 'resolved')!;
    expect(resolved.signatureOk).toBe(true);
    expect((resolved.json.alerts as Array<Record<string, unknown>>)[0]).toMatchObject({ id: alert.id, status: 'resolved', endsAt: expect.stringMatching(/Z$/) });
    expect(rx.received.filter((w) => w.json.status === 'firing')).toHaveLength(1);

    const history = await apiRequest(`${url}/api/v1/alerts?state=resolved`, { key, ca });
    expect((history.json as { alerts: Array<{ id: string }> }).alerts.map((a) => a.id)).toContain(alert.id);
    expect(agent.output()).toContain('connected to collector');
  }, 90_000);
});
