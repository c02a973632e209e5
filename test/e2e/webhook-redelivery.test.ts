import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { COLLECTOR_BIN, runCommand, startProcess, type RunningProcess } from '../support/processes.js';
import WebSocket from 'ws';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/*
 * The outbox's promise: a collector killed with SIGKILL after sending a webhook
 * but before recording the delivery sends it again after restart, with the same
 * webhook-id, so the receiver can de-duplicate.
 */
describe('webhook delivery survives kill -9 between send and record', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-redeliver-'));
  const procs: RunningProcess[] = [];
  const rx = new WebhookReceiver(SECRET);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redelivers with the same webhook-id', async () => {
    const hook = await rx.start();
    const dataDir = join(dir, 'data');
    const config = join(dir, 'collector.yaml');
    writeFileSync(config, `listen: 127.0.0.1:0\ntls: { mode: off }\nruleFiles: []\nnotifiers:\n  - { name: oncall, type: webhook, url: "${hook}", secret: ${SECRET}, allowPrivateNetwork: true }\nrules:\n  - { name: load-high, metric: load1, op: ">", threshold: 4, for: 0s, notify: [oncall] }\n`);
    const start = async (): Promise<{ proc: RunningProcess; url: string }> => {
      const proc = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', config, '--data-dir', dataDir]);
      procs.push(proc);
      const line = await proc.waitForLine(/"msg":"collector listening"/);
      return { proc, url: (JSON.parse(line) as { url: string }).url };
    };
    const first = await start();
    const { token } = JSON.parse((await runCommand(process.execPath, [COLLECTOR_BIN, 'token', 'create', '--config', config, '--data-dir', dataDir, '--json'])).stdout) as { token: string };
    const enrolled = (await (await fetch(`${first.url}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, hostname: 'pc' }) })).json()) as { agentId: string; credential: string };

    // The first request arrives; the collector dies before it hears the answer.
    rx.beforeReply = async () => {
      rx.beforeReply = undefined;
      first.proc.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
    };
    const ws = new WebSocket(`${first.url.replace('http', 'ws')}/api/v1/agent/ws`, { headers: { authorization: `Bearer ${enrolled.agentId}.${enrolled.credential}` } });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ v: 1, type: 'hello', agentId: enrolled.agentId, agentVersion: 't', protocolVersion: 1, epoch: 'e1', facts: { hostname: 'pc', os: 'x', kernel: 'k', arch: 'x64' } }));
    ws.send(JSON.stringify({ v: 1, type: 'metrics', epoch: 'e1', seq: 1, samples: [{ name: 'load1', labels: {}, value: 9, timestamp: Date.now() }] }));
    await rx.waitFor((r) => r.length === 1, 10_000);
    await new Promise<void>((r) => (first.proc.child.exitCode !== null || first.proc.child.signalCode !== null ? r() : first.proc.child.once('exit', () => r())));
    ws.terminate();

    await start();
    await rx.waitFor((r) => r.length >= 2, 15_000);
    expect(rx.received[1]!.headers['webhook-id']).toBe(rx.received[0]!.headers['webhook-id']);
    expect(rx.received[1]!.signatureOk).toBe(true);
    expect(rx.received[1]!.body).toBe(rx.received[0]!.body);
  }, 60_000);
});
