import type { Database } from 'better-sqlite3';
import { parseDuration } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { expandColumns, type PendingBatch, type SeriesNamer } from '../ingest/group-commit.js';
import { parseSize } from '../storage/config.js';
import type { Targets } from '../targets/targets.js';
import type { MetricsExportConfig, RemoteWriteConfig } from './config.js';
import { RemoteWriteQueue, type EndpointCounters } from './remote-write-queue.js';
import { RemoteWriteSender, type SenderEndpoint } from './remote-write-sender.js';
import { newIngestCounters, type IngestCounters } from './self-metrics.js';
import { targetLabelPairs } from './target-labels.js';

export interface ExporterOptions {
  readonly db: Database;
  readonly config: { readonly metrics: MetricsExportConfig; readonly remoteWrite: readonly RemoteWriteConfig[] };
  readonly targets: Targets;
  readonly logger: Logger;
  /** Names stored series of protocol-3 batches (for remote write). */
  readonly names?: SeriesNamer;
  readonly clock?: () => number;
  /** Tests shorten the queue's write timer. */
  readonly flushIntervalMs?: number;
}

export interface RemoteWriteStatus {
  readonly name: string;
  readonly url: string;
  readonly counters: EndpointCounters;
}

/** Everything export: the /metrics settings, ingest counters, and the remote-write queue and sender. */
export interface Exporter {
  readonly metrics: { readonly public: boolean; readonly maxAgeMs: number };
  readonly ingest: IngestCounters;
  readonly queue: RemoteWriteQueue;
  readonly startedAt: number;
  /** Hook for GroupCommitter.onCommitted: counts and queues; never throws. */
  onCommitted(batches: readonly PendingBatch[]): void;
  remoteWriteStatus(): RemoteWriteStatus[];
  /** Notifications waiting for delivery. */
  outboxPending(): number;
  start(): void;
  stop(): Promise<void>;
}

function authHeaders(r: RemoteWriteConfig): Record<string, string> {
  const h: Record<string, string> = { ...r.headers };
  if (r.bearerToken) h.authorization = `Bearer ${r.bearerToken}`;
  if (r.basicAuth) h.authorization = `Basic ${Buffer.from(`${r.basicAuth.username}:${r.basicAuth.password}`).toString('base64')}`;
  return h;
}

/** Redacts credentials in a URL's query (some receivers take tokens there). */
function shownUrl(url: string): string {
  const u = new URL(url);
  for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '…');
  return u.toString();
}

export function createExporter(o: ExporterOptions): Exporter {
  const clock = o.clock ?? Date.now;
  const log = o.logger.child({ module: 'export' });
  const rw = o.config.remoteWrite;
  const queue = new RemoteWriteQueue(
    o.db,
    rw.map((r) => ({
      name: r.name,
      maxBacklogBytes: parseSize(r.maxBacklog) ?? 1e9,
      maxSamplesPerSend: r.maxSamplesPerSend,
      externalLabels: Object.entries(r.externalLabels ?? {}).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    })),
    (id) => {
      const t = o.targets.get(id);
      return t ? targetLabelPairs(t) : undefined;
    },
    { clock },
  );
  const endpoints: SenderEndpoint[] = rw.map((r) => ({
    name: r.name,
    url: r.url,
    allowPrivateNetwork: r.allowPrivateNetwork,
    timeoutMs: parseDuration(r.timeout) ?? 30_000,
    minBackoffMs: parseDuration(r.minBackoff) ?? 1000,
    maxBackoffMs: parseDuration(r.maxBackoff) ?? 60_000,
    headers: authHeaders(r),
  }));
  const sender = new RemoteWriteSender({ queue, endpoints, logger: o.logger, ...(o.flushIntervalMs ? { flushIntervalMs: o.flushIntervalMs } : {}) });
  const ingest = newIngestCounters();
  let failedOnce = false;
  // The notification outbox has no count method; one count on its (state, next_attempt_at) index per scrape.
  const pendingCount = o.db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck();
  return {
    metrics: { public: o.config.metrics.public, maxAgeMs: parseDuration(o.config.metrics.maxAge) ?? 600_000 },
    ingest,
    queue,
    startedAt: clock(),
    onCommitted(batches) {
      try {
        ingest.batchesStored += batches.length;
        for (const b of batches) {
          ingest.samplesStored += b.samples.length;
          queue.push(b.targetId, b.samples);
          if (!b.columns) continue;
          for (const id of b.columns.storageIds) if (id >= 0) ingest.samplesStored++;
          // Names per sample only when a remote-write endpoint will send them.
          if (queue.enabled && o.names) for (const [targetId, samples] of expandColumns(b.columns, o.names)) queue.push(targetId, samples);
        }
      } catch (err) {
        // Export must never disturb ingest; say it once.
        if (!failedOnce) log.error({ err: (err as Error).message }, 'export hook failed');
        failedOnce = true;
      }
    },
    outboxPending: () => pendingCount.get() as number,
    remoteWriteStatus: () => rw.map((r) => ({ name: r.name, url: shownUrl(r.url), counters: queue.counters(r.name) as EndpointCounters })),
    start() {
      if (endpoints.length > 0) log.info({ endpoints: rw.map((r) => ({ name: r.name, url: shownUrl(r.url) })) }, 'remote write enabled');
      sender.start();
    },
    stop: () => sender.stop(),
  };
}
