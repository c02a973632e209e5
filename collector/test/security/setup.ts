import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { buildApp, type BuildOptions, type CollectorApp } from '../../src/app.js';
import { ApiKeys } from '../../src/auth/api-keys.js';
import type { Role } from '../../src/auth/roles.js';
import { resolveConfig } from '../../src/config/load.js';
import { securityOf, type SecurityInstall } from '../../src/security/install.js';

export interface SecureCollector {
  readonly app: CollectorApp;
  readonly url: string;
  readonly dataDir: string;
  readonly security: SecurityInstall;
  stop(): Promise<void>;
}

/** A real collector on 127.0.0.1:0; TLS off unless the config says otherwise. */
export async function startCollector(config: Record<string, unknown> = {}, opts: Partial<Omit<BuildOptions, 'logger'>> = {}): Promise<SecureCollector> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'hm-sec-'));
  const resolved = resolveConfig({ listen: '127.0.0.1:0', tls: { mode: 'off' }, ...config }, 'test', { dataDir });
  const app = await buildApp(resolved, { logger: pino({ level: process.env.HM_TEST_LOG ?? 'silent' }), ...opts });
  const url = await app.listen();
  const security = securityOf(app.http);
  if (!security) throw new Error('security not installed');
  return {
    app,
    url,
    dataDir,
    security,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function apiKey(c: SecureCollector, role: Role, sites: string[] | null = null): string {
  return new ApiKeys(c.app.db).create({ role, sites }).key;
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Logs in through the API; returns the cookie header to send and the CSRF token. */
export async function login(c: SecureCollector, name: string, password: string, remoteAddress = '127.0.0.1'): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await c.app.http.inject({ method: 'POST', url: '/api/v1/session', payload: { name, password }, remoteAddress });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] as string, csrf: (res.json() as { csrfToken: string }).csrfToken, setCookie };
}

/** Enrolls through the API (optionally into a site) and returns the agent's bearer credential. */
export async function enroll(c: SecureCollector, name: string, site?: string): Promise<{ agentId: string; bearer: string; targetId: string; credential: string }> {
  const { token } = c.app.ctx.tokens.create(site ? { site } : {}, c.app.tls?.pin);
  const res = await c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: name } });
  if (res.statusCode !== 200) throw new Error(`enroll failed: ${res.body}`);
  const body = res.json() as { agentId: string; credential: string; targetId: string };
  return { agentId: body.agentId, bearer: `${body.agentId}.${body.credential}`, targetId: body.targetId, credential: body.credential };
}

// A real collection before each reading, so the numbers compare live memory, not garbage.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function memory(): { heapMB: number; rssMB: number } {
  gc();
  const m = process.memoryUsage();
  return { heapMB: Math.round(m.heapUsed / 1048576), rssMB: Math.round(m.rss / 1048576) };
}
