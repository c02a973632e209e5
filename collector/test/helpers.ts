import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, type BuildOptions, type CollectorApp } from '../src/app.js';
import { resolveConfig } from '../src/config/load.js';

export interface TestCollector {
  readonly app: CollectorApp;
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** A real collector on 127.0.0.1:0 with a throw-away data directory. */
export async function startTestCollector(config: Record<string, unknown> = {}, opts: Partial<Pick<BuildOptions, "clock" | "ingestLimits" | "notifyRetry">> = {}): Promise<TestCollector> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'hm-col-'));
  // No built-in rule file unless a test asks: tests assert exact alerts.
  const resolved = resolveConfig({ listen: '127.0.0.1:0', tls: { mode: 'off' }, ruleFiles: [], ...config }, 'test', { dataDir });
  const app = await buildApp(resolved, { logger: pino({ level: process.env.HM_TEST_LOG ?? 'silent' }), ...opts });
  const url = await app.listen();
  return {
    app,
    url,
    dataDir,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Enrolls a fake agent directly through the API and returns its bearer credential. */
export async function enrollAgent(c: TestCollector, name = 'lab-pc-01', site?: string): Promise<{ agentId: string; bearer: string; targetId: string }> {
  const { token } = c.app.ctx.tokens.create(site ? { site } : {}, c.app.tls?.pin);
  const res = await c.app.http.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: name } });
  if (res.statusCode !== 200) throw new Error(`enroll failed: ${res.body}`);
  const body = res.json() as { agentId: string; credential: string; targetId: string };
  return { agentId: body.agentId, bearer: `${body.agentId}.${body.credential}`, targetId: body.targetId };
}

/** Polls until `check` returns true (for state written just after an observable event). */
export async function waitUntil(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
