import os from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from 'better-sqlite3';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { METRICS, parseDuration } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { alertRoutes, silenceRoutes } from './api/routes-alerts.js';
import { notificationRoutes } from './api/routes-notifications.js';
import { statusRoutes } from './api/routes-status.js';
import { enrollRoutes } from './api/routes-enroll.js';
import { installSecurity, SERVER_TIMEOUTS, type SecurityOptions } from './security/install.js';
import { downloadRoutes } from './downloads/routes.js';
import { agentUpdateSettings } from './downloads/service.js';
import { hostRoutes } from './api/routes-hosts.js';
import { gapRoutes } from './api/routes-gaps.js';
import { dashboardPlugin } from './ui/plugin.js';
import type { ApiContext } from './api/context.js';
import { Agents } from './auth/agents.js';
import { ApiKeys } from './auth/api-keys.js';
import { EnrollmentTokens } from './auth/enrollment-tokens.js';
import type { ResolvedConfig } from './config/load.js';
import { openDatabase } from './db/open.js';
import { CollectorError } from './errors.js';
import { GroupCommitter, type ColumnSamples } from './ingest/group-commit.js';
import { GapStore } from './ingest/gap-store.js';
import type { IngestLimits } from './ingest/limits.js';
import { IngestServer } from './ingest/ws-server.js';
import { DeliveryWorker } from './notify/worker.js';
import { Dispatcher } from './notify/dispatcher.js';
import { Outbox } from './notify/outbox.js';
import { SilenceStore } from './notify/silences.js';
import { AlertManager } from './rules/alert-manager.js';
import { AlertStore } from './rules/alert-store.js';
import { activeMaintenance } from './rules/schedule.js';
import { LiveConfig, snapshotOf } from './config/live-config.js';
import { ruleFilePaths, seedDefaultRules } from './config/rule-files.js';
import { FleetEvents } from './events.js';
import { createExporter } from './export/exporter.js';
import { exportRoutes } from './export/routes.js';
import { countAcks } from './export/self-metrics.js';
import { LivenessTracker, TARGET_UP_METRIC, targetStatus, type LivenessInputs, type TargetStatus } from './targets/liveness.js';
import { LatestValues } from './storage/latest.js';
import { ChunkedSampleStore } from './storage/chunked-store.js';
import { resolveStorageConfig } from './storage/config.js';
import { quickCheck } from './storage/integrity.js';
import { Targets } from './targets/targets.js';
import { DeviceTargets, SNMP_DEVICE_UP_METRIC } from './targets/device-targets.js';
import { devicesFor, type ConfiguredDevice } from './devices/assignment.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/material.js';
import { HeapRelease } from './service/heap-release.js';

export interface BuildOptions {
  readonly logger: Logger;
  readonly clock?: () => number;
  readonly ingestLimits?: Partial<IngestLimits>;
  /** Retry timing of notification delivery (tests shorten it). */
  readonly notifyRetry?: { readonly baseDelayMs: number; readonly maxDelayMs: number };
  /** The config file the config came from, for reloads (SIGHUP, file changes). */
  readonly configPath?: string;
  readonly configOverrides?: { readonly dataDir?: string; readonly listen?: string };
  /** Rate limits, lockouts, connection caps and the revocation poll (tests tighten them). */
  readonly security?: Partial<SecurityOptions>;
  /** HTTP server timeouts against slow clients (tests shorten them). */
  readonly serverTimeouts?: { readonly headersTimeout?: number; readonly requestTimeout?: number; readonly connectionsCheckingInterval?: number };
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
  // After a crash or power loss: a quick check before serving, loud if anything is off.
  const problems = quickCheck(db);
  if (problems.length > 0) log.error({ problems }, 'database quick_check reported problems; consider restoring the latest backup');

  const timeouts = { ...SERVER_TIMEOUTS, ...opts.serverTimeouts };
  const http = Fastify({
    // Per-request logs would drown the useful lines; the API logs what matters itself.
    loggerInstance: log.child({ module: 'http' }, { level: log.level === 'debug' || log.level === 'trace' || log.level === 'silent' ? log.level : 'warn' }),
    bodyLimit: 64 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    // Unknown fields are refused, not silently dropped (mass assignment, OWASP API3).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // headersTimeout and a short check interval reap slowloris clients (security/install.ts).
    http: { headersTimeout: timeouts.headersTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval },
    ...(tls ? { https: { key: tls.keyPem, cert: tls.certChainPem, minVersion: 'TLSv1.2' as const, headersTimeout: timeouts.headersTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval } } : {}),
  }) as unknown as FastifyInstance;
  // Node's HTTPS server offers ALPN "http/1.1", and every TLS socket keeps its own copy of that
  // list: 9 bytes cut from an 8 KB Buffer pool slab. Agents reconnect over days, so each slab ends
  // up pinned by a few live sockets' copies (9 MB at 5,000 agents, docs/capacity.md). Without ALPN
  // a client that offers it gets no protocol selected, which for HTTP/1.1 and WebSocket is the same.
  if (tls) (http.server as unknown as { ALPNProtocols?: unknown }).ALPNProtocols = undefined;

  const targets = new Targets(db);
  const tokens = new EnrollmentTokens(db, clock);
  const agents = new Agents(db, tokens, targets, clock);
  const apiKeys = new ApiKeys(db, clock);
  const store = new ChunkedSampleStore(db, { config: resolveStorageConfig(config.storage ?? {}), clock });
  const latest = new LatestValues((id) => store.seriesById(id), (id) => store.hasSeries(id));
  for (const s of store.latestAll()) latest.offer(s.targetId, s, s.seriesId);
  const outbox = new Outbox(db);
  const alertStore = new AlertStore(db);
  const silences = new SilenceStore(db);
  seedDefaultRules(ruleFilePaths(config, opts.configPath), config);
  // Metrics anyone could send: the product's names, the collector's own, and whatever targets reported.
  const knownMetrics = (): ReadonlySet<string> => new Set<string>([...Object.values(METRICS), TARGET_UP_METRIC, SNMP_DEVICE_UP_METRIC, ...[...latest.all()].map((s) => s.metric)]);
  const live = new LiveConfig(snapshotOf(config, opts.configPath, knownMetrics(), log.child({ module: 'config' })), opts.configPath, opts.configOverrides ?? {}, log, knownMetrics);
  const cfg = (): ResolvedConfig => live.current.config;
  let boundUrl = '';
  const baseUrl = (): string => cfg().publicUrl ?? (boundUrl || `${tls ? 'https' : 'http'}://${os.hostname()}:${splitListen(config.listen).port}`);
  const worker = new DeliveryWorker({ outbox, notifiers: () => cfg().notifiers, logger: log, clock, ...opts.notifyRetry });
  const dispatcher = new Dispatcher({
    db,
    outbox,
    alerts: alertStore,
    targets,
    baseUrl,
    timing: () => ({ groupWaitMs: parseDuration(cfg().notify.groupWait) ?? 0, groupIntervalMs: parseDuration(cfg().notify.groupInterval) ?? 0 }),
  });
  const offlineAfterMs = (): number => cfg().agents.offlineAfterIntervals * (parseDuration(cfg().agents.interval ?? '15s') ?? 15_000);
  const statusCache = new Map<string, TargetStatus>();
  const events = new FleetEvents();
  const cachedStatus = (id: string): TargetStatus | undefined => statusCache.get(id);
  /** What status depends on besides the target: computed once per tick, not per target. */
  const livenessInputs = (now: number): LivenessInputs => ({ now, offlineAfterMs: offlineAfterMs(), schedules: cfg().schedules, statusOf: cachedStatus, deviceStaleAfterMs: 3 * (parseDuration(cfg().agents.devicePoll) ?? 60_000) });
  /** The inputs for API requests, made at most once a second (a fleet page asks for every target). */
  let apiInputs: LivenessInputs | undefined;
  const currentInputs = (): LivenessInputs => {
    const now = clock();
    if (!apiInputs || now - apiInputs.now >= 1000 || now < apiInputs.now) apiInputs = livenessInputs(now);
    return apiInputs;
  };
  const alertManager = new AlertManager({
    db,
    targets,
    store: alertStore,
    dispatcher,
    silences,
    logger: log,
    clock,
    onQueued: () => worker.wake(),
    onTransition: (row) => events.emit({ type: 'alert', alertId: row.id, status: row.status, targetId: row.target_id, rule: row.rule, at: row.status === 'firing' ? row.starts_at : (row.ends_at ?? clock()) }),
    dependencyDown: (t) => {
      if (!t.parentId) return false;
      const s = statusCache.get(t.parentId);
      return s === 'down' || s === 'unknown';
    },
    policy: () => {
      const n = cfg().notify;
      return {
        resolved: n.resolved,
        repeatMs: parseDuration(n.repeatInterval) ?? 4 * 3_600_000,
        flapTransitions: n.flapping.transitions,
        flapWindowMs: parseDuration(n.flapping.window) ?? 3_600_000,
        maintenance: (target, rule, now) => activeMaintenance(cfg().maintenance, target, rule, now),
      };
    },
  });
  alertManager.setRules(live.current.rules);
  live.onChange((snap) => alertManager.setRules(snap.rules));

  // Liveness: a synthetic up/down sample per host whenever its state changes; the
  // built-in agent-offline rule watches it. Quiet for one offline period after start.
  const startedAt = clock();
  const liveness = new LivenessTracker();
  const livenessTick = (): void => {
    const now = clock();
    const inputs = livenessInputs(now);
    for (const t of targets.all()) {
      const next = targetStatus(t, inputs);
      const previous = statusCache.get(t.id);
      statusCache.set(t.id, next);
      if (previous !== next) events.emit({ type: 'target-status', targetId: t.id, status: next, previous, at: now });
    }
    for (const { target, value } of liveness.changes(targets.all(), (t) => statusCache.get(t.id) ?? 'unknown', now - startedAt < offlineAfterMs())) {
      latest.offer(target.id, { metric: TARGET_UP_METRIC, labels: {}, value, ts: now });
      alertManager.onSample(target, { metric: TARGET_UP_METRIC, labels: {}, value }, now);
    }
  };
  const livenessTimer = setInterval(livenessTick, 1000);
  livenessTimer.unref();

  // Storage upkeep in bounded slices (sealing, rollups, retention, checkpoints), never inside ingest.
  // A slice holds the event loop: 20 ms, so that the hops of an alert (commit, rules, outbox,
  // delivery) each wait at most that long while an hour's seal runs slice after slice for a minute.
  const MAINTENANCE_SLICE_MS = 20;
  const storeLog = log.child({ module: 'storage' });
  let maintenanceTimer: NodeJS.Timeout | undefined;
  let lastStatsLog = 0;
  // The heap's unused pages back to the system after bursts (the hourly spill and seal among them).
  const heapRelease = new HeapRelease({ log: storeLog });
  const heapTimer = setInterval(() => heapRelease.checkSlack(), 60_000);
  heapTimer.unref();
  const maintain = (): void => {
    let more = false;
    try {
      const r = store.runMaintenance(clock(), { budgetMs: MAINTENANCE_SLICE_MS });
      more = r.more;
      if (r.errors.length > 0) storeLog.error({ errors: r.errors }, 'storage maintenance problems');
      if (clock() - lastStatsLog > 3_600_000) {
        lastStatsLog = clock();
        const st = store.stats();
        storeLog.info(st, 'database size and budget');
      }
    } catch (err) {
      storeLog.error({ err: (err as Error).message }, 'storage maintenance failed');
    }
    maintenanceTimer = setTimeout(maintain, more ? 0 : 2000);
    maintenanceTimer.unref();
  };

  const committer = new GroupCommitter(db, store, targets, log, clock);
  const deviceTargets = new DeviceTargets(db, targets);
  // Export: /metrics counters and the remote-write queue (in memory here; to disk on a timer).
  const exporter = createExporter({ db, config, targets, logger: log, names: store, clock });
  countAcks(committer, exporter.ingest);
  /** Protocol 3: latest values by series id; the rule engine sees only samples of metrics some rule watches. */
  const offerColumns = (cols: ColumnSamples): void => {
    const { storageIds, ts, values, series } = cols;
    const own = series.hasDeviceTargets ? undefined : targets.get(series.targetOf(0));
    for (let i = 0; i < storageIds.length; i++) {
      const id = storageIds[i] as number;
      if (id < 0) continue;
      const targetId = own?.id ?? series.targetOf(cols.wireIds[i] as number);
      if (!latest.offerStored(targetId, id, ts[i] as number, values[i] as number)) continue;
      const metric = store.seriesMetric(id);
      if (metric === undefined || !alertManager.watches(metric)) continue;
      const target = own ?? targets.get(targetId);
      if (target) alertManager.onSample(target, { metric, labels: store.seriesLabels(id) ?? {}, value: values[i] as number });
    }
  };
  committer.onCommitted = (batches) => {
    exporter.onCommitted(batches);
    for (const b of batches) {
      if (b.columns) {
        offerColumns(b.columns);
        continue;
      }
      const target = targets.get(b.targetId);
      if (!target) continue;
      const ids = b.seriesIds;
      b.samples.forEach((s, i) => {
        if (latest.offer(b.targetId, s, ids?.[i])) alertManager.onSample(target, s);
      });
      for (const [targetId, samples] of b.deviceSamples ?? []) {
        const device = targets.get(targetId);
        if (!device) continue;
        const deviceIds = b.deviceSeriesIds?.get(targetId);
        samples.forEach((s, i) => {
          if (latest.offer(targetId, s, deviceIds?.[i])) alertManager.onSample(device, s);
        });
      }
    }
  };
  // SNMP devices: each poller agent gets its own list in welcome, and again on every config reload.
  const deviceSettings = (targetId: string): { devices: ConfiguredDevice[]; devicePollSeconds: number } => {
    const agent = targets.get(targetId);
    return {
      devices: agent ? devicesFor(agent, cfg().devices as unknown as ConfiguredDevice[], targets.all()) : [],
      devicePollSeconds: Math.round((parseDuration(cfg().agents.devicePoll) ?? 60_000) / 1000),
    };
  };
  const intervalMs = config.agents.interval ? parseDuration(config.agents.interval) : undefined;
  const ingest = new IngestServer({
    agents,
    committer,
    logger: log,
    settings: (identity) => ({ ...(intervalMs ? { intervalSeconds: Math.round(intervalMs / 1000) } : {}), ...agentUpdateSettings(config), ...deviceSettings(identity.targetId) }),
    onTargets: (identity, msg) => {
      const poller = targets.get(identity.targetId);
      if (poller) deviceTargets.applyReport(poller, msg, clock());
    },
    resolveTarget: (identity, key) => {
      const poller = targets.get(identity.targetId);
      return poller ? deviceTargets.resolve(poller, key, clock()) : undefined;
    },
    onHello: (identity, hello) => {
      agents.recordHello(identity.agentId, hello.agentVersion);
      targets.setFacts(identity.targetId, hello.facts);
    },
    limits: { ...config.ingest, maxConnectionsPerIp: config.limits.connectionsPerIp, ...opts.ingestLimits },
  });
  ingest.attach(http.server as Server);
  live.onChange(() => ingest.pushSettings());

  const ctx: ApiContext = { config, live, tls, agents, apiKeys, tokens, targets, store, latest, alerts: alertStore, alertManager, outbox, silences, worker, ingest, baseUrl, clock, status: (t) => targetStatus(t, currentInputs()), events };

  http.setErrorHandler((err: FastifyError | CollectorError, req, reply) => {
    if (err instanceof CollectorError) return reply.status(err.statusCode).send({ code: err.code, message: err.message });
    if ((err as FastifyError).validation) return reply.status(400).send({ code: 'HM_BAD_REQUEST', message: err.message });
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.status(status).send({ code: status >= 500 ? 'HM_INTERNAL' : 'HM_BAD_REQUEST', message: status >= 500 ? 'internal error' : err.message });
  });
  http.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'HM_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  const lim = config.limits;
  const security = installSecurity(http, ctx, {
    db,
    logger: log,
    options: {
      connectionsPerIp: lim.connectionsPerIp,
      connectionsTotal: lim.connectionsTotal,
      api: { perIpPerSecond: lim.apiRequestsPerSecondPerIp, perIpBurst: lim.apiBurstPerIp },
      ...opts.security,
    },
  });
  http.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  await http.register(async (scope) => hostRoutes(scope, ctx));
  await http.register(async (scope) => gapRoutes(scope, ctx, new GapStore(db)));
  await http.register(async (scope) => alertRoutes(scope, ctx));
  await http.register(async (scope) => silenceRoutes(scope, ctx));
  await http.register(async (scope) => notificationRoutes(scope, ctx));
  await http.register(async (scope) => statusRoutes(scope, ctx));
  await http.register(async (scope) => exportRoutes(scope, ctx, exporter));
  await http.register(async (scope) => enrollRoutes(scope, ctx, security.services));
  await security.registerRoutes();
  await http.register(async (scope) => downloadRoutes(scope, ctx));
  await http.register(async (scope) => dashboardPlugin(scope, ctx, security.services));

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
      exporter.start();
      security.start();
      live.start();
      maintain();
      if (!tls) log.warn('TLS is OFF (tls.mode: off): agent credentials and data cross the network in clear text');
      log.info({ url: boundUrl, dataDir: config.dataDir, tls: config.tls.mode, pin: tls?.pin }, 'collector listening');
      return boundUrl;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      alertManager.stop();
      security.stop();
      live.stop();
      clearInterval(livenessTimer);
      clearTimeout(maintenanceTimer);
      clearInterval(heapTimer);
      await ingest.close();
      await worker.stop();
      await exporter.stop();
      await http.close();
      try {
        targets.flushLastSeen();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cannot write last contact times at shutdown');
      }
      db.close();
    },
  };
}

export { CollectorError };
