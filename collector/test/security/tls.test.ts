import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { validateAgentConfig, writeAgentConfig } from '../../../agent/src/config.js';
import { enroll as agentEnroll } from '../../../agent/src/enroll.js';
import { pinnedTlsOptions } from '../../../agent/src/transport/tls.js';
import { hello, metrics, openProbe } from '../ws-client.js';
import { apiKey, bearer, startCollector, type SecureCollector } from './setup.js';

let a: SecureCollector;
let b: SecureCollector;
beforeAll(async () => {
  [a, b] = await Promise.all([startCollector({ tls: { mode: 'auto' } }), startCollector({ tls: { mode: 'auto' } })]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

describe('TLS by default with a pinned private CA', () => {
  it('enrolls through the real agent code, then reports over wss verified against the pin', async () => {
    expect(a.url).toMatch(/^https:/);
    const { token } = a.app.ctx.tokens.create({ site: 'north' }, a.app.tls?.pin);
    const got = await agentEnroll({ collectorUrl: a.url, token, name: 'lab-pc-tls' });
    expect(got.collector.pin).toBe(a.app.tls?.pin);
    const tls = pinnedTlsOptions(got.collector.ca, got.collector.pin);
    const p = await openProbe(a.url, `${got.agent.id}.${got.agent.credential}`, tls as unknown as WebSocket.ClientOptions);
    p.ws.send(hello(got.agent.id));
    await p.next('welcome');
    p.ws.send(metrics(1, [{ name: 'load1', value: 0.25 }]));
    expect(await p.next('ack')).toMatchObject({ seq: 1 });
    p.ws.close();
  });

  it("refuses, in the agent, a collector whose certificate does not match the token's pin — before sending the token", async () => {
    const { token } = a.app.ctx.tokens.create({}, a.app.tls?.pin);
    await expect(agentEnroll({ collectorUrl: b.url, token })).rejects.toMatchObject({ code: 'HM_AGENT_PIN' });
    // B (the impostor) never saw an enrollment attempt: the token did not leave the agent.
    expect(b.security.services.audit.list({ limit: 10, action: 'enroll.refused' })).toHaveLength(0);
    // And the token still works at the right collector.
    await expect(agentEnroll({ collectorUrl: a.url, token })).resolves.toMatchObject({ agent: { id: expect.stringMatching(/^ag_/) } });
  });

  it('a client that trusts only the other collector cannot connect (wrong CA, wrong pin)', async () => {
    const { token } = a.app.ctx.tokens.create({}, a.app.tls?.pin);
    const got = await agentEnroll({ collectorUrl: a.url, token });
    const credential = `${got.agent.id}.${got.agent.credential}`;
    // Trusting B's CA and pin while dialling A.
    await expect(openProbe(a.url, credential, pinnedTlsOptions(b.app.tls?.trustPem, b.app.tls?.pin) as unknown as WebSocket.ClientOptions)).rejects.toThrow(/certificate|self[- ]signed|verify/i);
    // Trusting only the system store.
    await expect(openProbe(a.url, credential, { rejectUnauthorized: true })).rejects.toThrow(/certificate|self[- ]signed|verify/i);
  });

  it('selects no ALPN protocol (sockets keep no copy of the list) and still serves a client that offers one', async () => {
    const { connect: tlsConnect } = await import('node:tls');
    const port = Number(new URL(a.url).port);
    const out = await new Promise<{ alpn: string | false; head: string }>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: a.app.tls?.trustPem, checkServerIdentity: () => undefined, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      let head = '';
      s.on('data', (d: Buffer) => (head += d.toString('latin1')));
      s.on('end', () => resolve({ alpn: s.alpnProtocol ?? false, head }));
      s.on('error', reject);
    });
    expect(out.alpn).toBe(false);
    expect(out.head).toMatch(/^HTTP\/1\.1 200/);
  });

  it('fails plain ws:// and http:// against the TLS port', async () => {
    const port = new URL(a.url).port;
    const plainWs = new WebSocket(`ws://127.0.0.1:${port}/api/v1/agent/ws`);
    const outcome = await new Promise<string>((resolve) => {
      plainWs.once('open', () => resolve('open'));
      plainWs.once('error', (e) => resolve(`error: ${e.message}`));
    });
    expect(outcome).toMatch(/^error/);
    const plainHttp = await new Promise<string>((resolve) => {
      const req = httpRequest(`http://127.0.0.1:${port}/healthz`, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (e) => resolve(`error: ${e.message}`));
      req.end();
    });
    expect(plainHttp).not.toMatch(/status 200/);
    // The raw socket gets no HTTP answer at all, just a closed TLS connection.
    const raw = await new Promise<string>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
    });
    expect(raw).not.toContain('"status":"ok"');
  });

  it('writes the enrolled credential to an owner-only config file', async () => {
    const { token } = a.app.ctx.tokens.create({}, a.app.tls?.pin);
    const got = await agentEnroll({ collectorUrl: a.url, token, name: 'lab-pc-cfg' });
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-agent-cfg-'));
    try {
      const file = join(dir, 'agent dir', 'agent.yaml');
      await writeAgentConfig(file, validateAgentConfig({ ...got }, file));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toContain(got.agent.credential);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets the session cookie Secure and __Host- prefixed when TLS is on', async () => {
    await a.security.services.users.create({ name: 'tls-admin', password: 'a long enough password', role: 'admin' });
    const res = await a.app.http.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'tls-admin', password: 'a long enough password' } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-hm_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
  });

  it('sends HSTS and the other security headers over TLS', async () => {
    const res = await a.app.http.inject({ url: '/api/v1/hosts', headers: bearer(apiKey(a, 'viewer')) });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
