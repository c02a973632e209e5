import type { CommitOutcome, GroupCommitter } from '../ingest/group-commit.js';
import type { StorageStats } from '../storage/chunked-store.js';
import type { MetricFamily } from './exposition.js';
import type { EndpointCounters, RemoteWriteQueue } from './remote-write-queue.js';

/** Ingest counters since start (Prometheus counters reset with the process, as rate() expects). */
export interface IngestCounters {
  samplesStored: number;
  batchesStored: number;
  acks: number;
  commitFailures: number;
  /** Ingest transactions committed (each one fsync). */
  commits: number;
}

export function newIngestCounters(): IngestCounters {
  return { samplesStored: 0, batchesStored: 0, acks: 0, commitFailures: 0, commits: 0 };
}

/**
 * Counts acks by observing the committer's outcomes (a session acks exactly
 * the ok ones). Wraps submit/submitGap instead of editing ingest, which
 * another area owns; the wrapped promise is the same one the session awaits.
 */
export function countAcks(committer: GroupCommitter, counters: IngestCounters): void {
  const tally = (p: Promise<CommitOutcome>): Promise<CommitOutcome> => {
    void p.then((o) => {
      if (o.ok) counters.acks++;
      else counters.commitFailures++;
    });
    return p;
  };
  const submit = committer.submit.bind(committer);
  const submitGap = committer.submitGap.bind(committer);
  committer.onCommit = () => counters.commits++;
  committer.submit = (batch) => tally(submit(batch));
  committer.submitGap = (gap) => tally(submitGap(gap));
}

export interface SelfMetricsInputs {
  readonly ingest: IngestCounters;
  readonly connectedAgents: () => number;
  readonly targets: () => number;
  readonly series: () => number;
  readonly storage: () => StorageStats | undefined;
  readonly outboxPending: () => number;
  readonly remoteWrite?: RemoteWriteQueue;
  readonly startedAt: number;
}

const c = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
const g = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });

function perEndpoint(q: RemoteWriteQueue, name: string, help: string, type: MetricFamily['type'], value: (c: EndpointCounters) => number | null): MetricFamily {
  const samples = q.endpoints.flatMap((e) => {
    const v = value(q.counters(e.name) as EndpointCounters);
    return v === null ? [] : [{ labels: { endpoint: e.name }, value: v }];
  });
  return { name, help, type, samples };
}

/** The collector's own metrics, named hallmonitor_* (agent-side collectors use hallmonitor_collector_*). */
export function selfMetrics(i: SelfMetricsInputs): MetricFamily[] {
  const st = i.storage();
  const outboxPending = i.outboxPending();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const out: MetricFamily[] = [
    c('hallmonitor_ingest_samples_total', 'Samples newly stored from agents.', i.ingest.samplesStored),
    c('hallmonitor_ingest_batches_total', 'Agent batches newly stored (replays not counted).', i.ingest.batchesStored),
    c('hallmonitor_ingest_acks_total', 'Acknowledgements sent to agents (stored batches, replays and gaps).', i.ingest.acks),
    c('hallmonitor_ingest_commit_failures_total', 'Batches that could not be stored (not acknowledged; the agent resends).', i.ingest.commitFailures),
    c('hallmonitor_ingest_commits_total', 'Ingest transactions committed, each one fsync (batches per commit = batches / commits).', i.ingest.commits),
    g('hallmonitor_agents_connected', 'Agents connected over WebSocket now.', i.connectedAgents()),
    g('hallmonitor_targets', 'Known targets (hosts and polled devices).', i.targets()),
    g('hallmonitor_series', 'Series with a latest value in memory.', i.series()),
    g('hallmonitor_notify_outbox_pending', 'Notifications waiting to be delivered (first attempts and retries).', outboxPending),
  ];
  if (st) {
    out.push(
      g('hallmonitor_storage_file_bytes', 'Size of the database file.', st.fileBytes),
      g('hallmonitor_storage_used_bytes', 'Bytes of the database in use (pages not free).', st.usedBytes),
      g('hallmonitor_storage_wal_bytes', 'Size of the write-ahead log.', st.walBytes),
      g('hallmonitor_storage_max_bytes', 'Configured storage budget.', st.maxBytes),
      g('hallmonitor_storage_raw_samples', 'Samples held at raw resolution in sealed chunks.', st.rawSamples),
      g('hallmonitor_storage_bytes_per_sample', 'Compressed raw bytes per sample.', st.bytesPerSample),
      g('hallmonitor_storage_open_buffers', 'Open buffers (series × chunk window) holding samples not yet in a chunk.', st.openBuffers),
      g('hallmonitor_storage_head_samples', 'Samples in open buffers (durable in the head log, not yet in a chunk).', st.headSamples),
      g('hallmonitor_storage_head_bytes', 'Memory reserved for the open buffers\' samples (arena slabs, in use or free).', st.headBytes),
      c('hallmonitor_storage_rejected_samples_total', 'Samples storage refused (timestamps outside retention or invalid).', st.rejectedSamples),
    );
  }
  const q = i.remoteWrite;
  if (q && q.endpoints.length > 0) {
    out.push(
      perEndpoint(q, 'hallmonitor_remote_write_samples_enqueued_total', 'Samples queued for a remote-write endpoint.', 'counter', (x) => x.enqueuedSamples),
      perEndpoint(q, 'hallmonitor_remote_write_samples_sent_total', 'Samples a remote-write endpoint accepted.', 'counter', (x) => x.sentSamples),
      {
        name: 'hallmonitor_remote_write_samples_dropped_total',
        help: 'Samples given up: backlog_full (queue over maxBacklog), rejected (the receiver refused them), overflow (memory buffer full), queue_error (queue write failed).',
        type: 'counter',
        samples: q.endpoints.flatMap((e) => Object.entries((q.counters(e.name) as EndpointCounters).dropped).map(([reason, value]) => ({ labels: { endpoint: e.name, reason }, value }))),
      },
      perEndpoint(q, 'hallmonitor_remote_write_requests_total', 'Requests that got an HTTP answer.', 'counter', (x) => x.sentRequests),
      perEndpoint(q, 'hallmonitor_remote_write_failed_requests_total', 'Attempts that will be retried (connection errors, timeouts, 5xx, 429).', 'counter', (x) => x.failedRequests),
      perEndpoint(q, 'hallmonitor_remote_write_backlog_samples', 'Samples queued on disk, not yet accepted.', 'gauge', (x) => x.backlogSamples),
      perEndpoint(q, 'hallmonitor_remote_write_backlog_bytes', 'Bytes queued on disk.', 'gauge', (x) => x.backlogBytes),
      perEndpoint(q, 'hallmonitor_remote_write_last_success_timestamp_seconds', 'When the endpoint last accepted samples.', 'gauge', (x) => (x.lastSuccessAt === null ? null : x.lastSuccessAt / 1000)),
      g('hallmonitor_remote_write_pending_samples', 'Samples in memory waiting for the next queue write.', q.pendingSamples),
    );
  }
  out.push(
    c('process_cpu_seconds_total', 'User and system CPU time of the collector process.', (cpu.user + cpu.system) / 1e6),
    g('process_resident_memory_bytes', 'Resident memory of the collector process.', mem.rss),
    // Where the resident memory is: V8's heap (used vs. reserved) and memory outside it (buffers, TLS, SQLite).
    g('nodejs_heap_size_used_bytes', 'V8 heap in use by live and not yet collected objects.', mem.heapUsed),
    g('nodejs_heap_size_total_bytes', 'V8 heap reserved.', mem.heapTotal),
    g('nodejs_external_memory_bytes', 'Memory of buffers and native objects tied to JavaScript objects.', mem.external),
    g('process_start_time_seconds', 'When the collector process started, Unix seconds.', Math.floor(i.startedAt / 1000)),
  );
  return out;
}
