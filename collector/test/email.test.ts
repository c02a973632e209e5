import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert } from '../src/tls/generate.js';
import { enrollAgent, startTestCollector, waitUntil, type TestCollector } from './helpers.js';
import { hello, metrics, openProbe } from './ws-client.js';

// Debian's python3 (where python3-aiosmtpd installs), not a pyenv one earlier on PATH.
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasAiosmtpd = spawnSync(PY, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startSmtp(dir: string, tls?: { cert: string; key: string }): Promise<{ port: number; maildir: string; proc: ChildProcess }> {
  const port = await freePort();
  const maildir = join(dir, `maildir-${port}`);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  const args = ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', ...(tls ? ['--tlscert', tls.cert, '--tlskey', tls.key] : []), maildir];
  const proc = spawn(PY, args, { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await canConnect(port);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('aiosmtpd did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, maildir, proc };
}

/** The Subject header with RFC 2047 encoded words decoded (the headline has a non-ASCII dot). */
function decodeSubject(mail: string): string {
  const m = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(mail);
  const raw = (m?.[1] ?? '').replace(/\r?\n[ \t]/g, ' ');
  return raw
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, x: string) => String.fromCharCode(parseInt(x, 16))), 'latin1').toString('utf8'),
    )
    .trim();
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(!hasAiosmtpd)('email notifier against a real SMTP server (aiosmtpd)', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-smtp-'));
  const procs: ChildProcess[] = [];
  let caFile = '';
  let tlsFiles = { cert: '', key: '' };
  beforeAll(async () => {
    const ca = await createCa('test mail CA');
    const srv = await createServerCert(ca, ['localhost', '127.0.0.1']);
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    tlsFiles = { cert: join(dir, 'smtp.pem'), key: join(dir, 'smtp.key') };
    writeFileSync(tlsFiles.cert, srv.certPem);
    writeFileSync(tlsFiles.key, srv.keyPem);
  });
  afterAll(() => {
    for (const p of procs) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fire(smtpPort: number, security: string): Promise<TestCollector> {
    const c = await startTestCollector({
      notifiers: [{ name: 'mail', type: 'email', smtp: { host: 'localhost', port: smtpPort, security, caFile }, from: 'hallmonitor@school.example', to: ['oncall@school.example'], allowPrivateNetwork: true, maxAttempts: 1 }],
      rules: [{ name: 'load-high', metric: 'load1', op: '>', threshold: 4, for: '0s', severity: 'critical', notify: ['mail'], summary: 'Load on {{target.name}} is {{value}}' }],
    });
    const a = await enrollAgent(c, 'lab-pc-07', 'north');
    const p = await openProbe(c.url, a.bearer);
    p.ws.send(hello(a.agentId));
    await p.next('welcome');
    p.ws.send(metrics(1, [{ name: 'load1', value: 9.5 }]));
    await p.next('ack');
    p.ws.close();
    return c;
  }

  it('delivers over STARTTLS with the alert in subject and body', async () => {
    const smtp = await startSmtp(dir, tlsFiles);
    procs.push(smtp.proc);
    const c = await fire(smtp.port, 'starttls');
    try {
      await waitUntil(() => readdirSync(join(smtp.maildir, 'new')).length === 1, 10_000, 'mail delivered');
      const mail = readFileSync(join(smtp.maildir, 'new', readdirSync(join(smtp.maildir, 'new'))[0]!), 'utf8');
      expect(decodeSubject(mail)).toBe('[FIRING] load-high · north');
      expect(mail).toContain('Load on lab-pc-07 is 9.5');
      expect(mail).toMatch(/^Message-ID: <msg_[^@]+@hallmonitor>/im);
      await waitUntil(() => c.app.ctx.outbox.list()[0]?.state === 'delivered');
    } finally {
      await c.stop();
    }
  });

  it('refuses to send in clear text when the server offers no STARTTLS', async () => {
    const smtp = await startSmtp(dir);
    procs.push(smtp.proc);
    const c = await fire(smtp.port, 'starttls');
    try {
      await waitUntil(() => c.app.ctx.outbox.list()[0]?.state === 'failed', 10_000, 'delivery failed');
      expect(c.app.ctx.outbox.list()[0]?.last_error).toMatch(/STARTTLS/i);
      expect(readdirSync(join(smtp.maildir, 'new'))).toHaveLength(0);
    } finally {
      await c.stop();
    }
  });
});
