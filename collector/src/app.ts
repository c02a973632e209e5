import os from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from 'better-sqlite3';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { parseDuration } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { alertRoutes } from './api/routes-alerts.js';
import { enrollRoutes } from './api/routes-enroll.js';
import { hostRoutes } from './api/routes-hosts.js';
import type { ApiContext } from './api/context.js';
import { Agents } from './auth/agents.js';
import { ApiKeys } from './auth/api-keys.js';
import { EnrollmentTokens } from './auth/enrollment-tokens.js';
import type { ResolvedConfig } from './config/load.js';
import { openDatabase } from './db/open.js';
import { CollectorError } from './errors.js';
import { GroupCommitter } from './ingest/group-commit.js';
import type { IngestLimits } from './ingest/limits.js';
import { IngestServer } from './ingest/ws-server.js';
import { DeliveryWorker } from './notify/worker.js';
import { Outbox } from './notify/outbox.js';
import { AlertManager } from './rules/alert-manager.js';
import { AlertStore } from './rules/alert-store.js';
import { compileRules } from './rules/compile.js';
import { LatestValues } from './storage/latest.js';
import { RowSampleStore } from './storage/row-store.js';
import { Targets } from './targets/targets.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/material.js';

export interface BuildOptions {
  readonly logger: Logger;
  readonly clock?: () => number;
  readonly ingestLimits?: Partial<IngestLimits>;
  /** Retry timing of notification delivery (tests shorten it). */
  readonly notifyRetry?: { readonly baseDelayMs: number; readonly maxDelayMs: number };
}

export interface CollectorApp {
  readonly http: FastifyInstance;
  readonly db: Database;
  readonly tls: TlsMaterial | undefined;
  readonly ctx: ApiContext;
  /** Starts listening on config.listen (port 0 picks a free port); resolves to the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/**
 * Builds the whole collector — database, TLS, ingest, rules, notifications,
 * API — without listening, so tests can inject requests or bind port 0.
 */
export async function buildApp(config: ResolvedConfig, opts: BuildOptions): Promise<CollectorApp> {
  const clock = opts.clock ?? Date.now;
  const log = opts.logger;
  const tls = await loadTlsMaterial(config);
  const db = openDatabase(config.dataDir);
  const quick = db.pragma('quick_check', { simple: true });
  if (quick !== 'ok') log.error({ result: quick }, 'database quick_check reported problems');

  const http = Fastify({
    // Per-request logs would drown the useful lines; the API logs what matters itself.
    loggerInstance: log.child({ module: 'http' }, { level: log.level === 'debug' || log.level === 'trace' ? log.level : 'warn' }),
    bodyLimit: 64 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    // Unknown fields are refused, not silently dropped (mass assignment, OWASP API3).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    ...(tls ? { https: { key: tls.keyPem, cert: tls.certChainPem, minVersion: 'TLSv1.2' as const } } : {}),
  }) as unknown as FastifyInstance;

  const targets = new Targets(db);
  const tokens = new EnrollmentTokens(db, clock);
  const agents = new Agents(db, tokens, targets, clock);
  const apiKeys = new ApiKeys(db, clock);
  const store = new RowSampleStore(db);
  const latest = new LatestValues();
  for (const s of store.latestAll()) latest.offer(s);
  const outbox = new Outbox(db);
  const alertStore = new AlertStore(db);
  let boundUrl = '';
  const baseUrl = (): string => config.publicUrl ?? (boundUrl || `${tls ? 'https' : 'http'}://${os.hostname()}:${splitListen(config.listen).port}`);
  const worker = new DeliveryWorker({ outbox, notifiers: () => config.notifiers, logger: log, clock, ...opts.notifyRetry });
  const alertManager = new AlertManager({ db, targets, outbox, store: alertStore, logger: log, baseUrl, onQueued: () => worker.wake(), clock });
  alertManager.setRules(compileRules(config.rules));

  const committer = new GroupCommitter(db, store, targets, log, clock);
  committer.onCommitted = (batches) => {
    for (const b of batches) {
      const target = targets.get(b.targetId);
      if (!target) continue;
      for (const s of b.samples) {
        if (latest.offer({ ...s, targetId: b.targetId })) alertManager.onSample(target, { metric: s.metric, labels: s.labels, value: s.value });
      }
    }
  };
  const intervalMs = config.agents.interval ? parseDuration(config.agents.interval) : undefined;
  const ingest = new IngestServer({
    agents,
    committer,
    logger: log,
    settings: () => (intervalMs ? { intervalSeconds: Math.round(intervalMs / 1000) } : {}),
    onHello: (identity, hello) => {
      agents.recordHello(identity.agentId, hello.agentVersion);
      targets.setFacts(identity.targetId, hello.facts);
    },
    ...(opts.ingestLimits ? { limits: opts.ingestLimits } : {}),
  });
  ingest.attach(http.server as Server);

  const ctx: ApiContext = { config, tls, agents, apiKeys, tokens, targets, store, latest, alerts: alertStore, alertManager, outbox, ingest, baseUrl, clock };

  http.setErrorHandler((err: FastifyError | CollectorError, req, reply) => {
    if (err instanceof CollectorError) return reply.status(err.statusCode).send({ code: err.code, message: err.message });
    if ((err as FastifyError).validation) return reply.status(400).send({ code: 'HM_BAD_REQUEST', message: err.message });
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.status(status).send({ code: status >= 500 ? 'HM_INTERNAL' : 'HM_BAD_REQUEST', message: status >= 500 ? 'internal error' : err.message });
  });
  http.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'HM_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  http.get('/healthz', async () => ({ status: 'ok' }));
  await http.register(async (scope) => hostRoutes(scope, ctx));
  await http.register(async (scope) => alertRoutes(scope, ctx));
  await http.register(async (scope) => enrollRoutes(scope, ctx));

  let closed = false;
  return {
    http,
    db,
    tls,
    ctx,
    async listen(): Promise<string> {
      const { host, port } = splitListen(config.listen);
      await http.listen({ host, port });
      const addr = http.server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      boundUrl = `${tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}`;
      alertManager.start();
      worker.start();
      if (!tls) log.warn('TLS is OFF (tls.mode: off): agent credentials and data cross the network in clear text');
      log.info({ url: boundUrl, dataDir: config.dataDir, tls: config.tls.mode, pin: tls?.pin }, 'collector listening');
      return boundUrl;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      alertManager.stop();
      await ingest.close();
      await worker.stop();
      await http.close();
      db.close();
    },
  };
}

export { CollectorError };
