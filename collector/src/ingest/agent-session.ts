import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  batchTimestamp,
  decodeAgentMessage,
  fromWireValue,
  isProtocolSupported,
  labelsKey,
  type AgentSettings,
  type BatchMessage,
  type CollectorMessage,
  type GapMessage,
  type HelloMessage,
  type MetricsMessage,
  type TargetsMessage,
} from '@hallmonitor/shared';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AgentIdentity } from '../auth/agents.js';
import { seriesKey, type StoredSample } from '../storage/sample-store.js';
import { ConnectionSeries, type SeriesToResolve } from './connection-series.js';
import type { CommitOutcome, GroupCommitter } from './group-commit.js';
import { IntSet } from './int-set.js';
import { TokenBucket, type IngestLimits } from './limits.js';

export interface SessionDeps {
  readonly committer: GroupCommitter;
  readonly limits: IngestLimits;
  /** The ingest module's logger; a session adds its agentId to each line (no logger object per connection). */
  readonly logger: Logger;
  readonly settings: (identity: AgentIdentity) => AgentSettings;
  readonly onHello: (identity: AgentIdentity, hello: HelloMessage) => void;
  /** A poller's device report (APs, controllers); returns false when it could not be applied. */
  readonly onTargets?: (identity: AgentIdentity, msg: TargetsMessage) => void;
  /** The collector target for a device key of this poller; undefined when over its cap. */
  readonly resolveTarget?: (identity: AgentIdentity, key: string) => string | undefined;
  readonly onClose: (session: AgentSession) => void;
}

/**
 * One authenticated agent connection: hello first, then metrics batches, each
 * acknowledged after its commit. Any protocol violation closes this socket
 * with a code and reason and stores nothing of the offending message.
 *
 * Thousands of these live at once, so a session holds no timer and no logger
 * of its own: the ingest server's sweep enforces the hello timeout and pings
 * quiet connections (`sweep`), and log lines carry the agentId.
 */
export class AgentSession {
  readonly identity: AgentIdentity;
  readonly #ws: WebSocket;
  readonly #d: SessionDeps;
  #phase: 'awaiting_hello' | 'ready' | 'closed' = 'awaiting_hello';
  #epoch = '';
  /** Version both sides speak on this connection. */
  #accepted = 1;
  /** When the socket opened, then when the agent was last heard from (any message or pong), ms. */
  #heardAt: number;
  /** When the sweep last pinged this quiet connection (0: not since it was heard). */
  #pingedAt = 0;
  /**
   * Protocols 1–2: hashes of the series this agent sent, for the per-agent
   * series cap (sorted int32s, 4 bytes a series; a hash collision lets one
   * more series through the cap, it never refuses one). Created on the first
   * such batch.
   */
  #series: IntSet | undefined;
  /** Protocol 3: the series this connection defined (its own cap count). */
  #defined: ConnectionSeries | undefined;
  readonly #bucket: TokenBucket;
  /** Acks go out in sequence order even if commits finish out of order. */
  #ackChain: Promise<void> = Promise.resolve();

  constructor(ws: WebSocket, identity: AgentIdentity, deps: SessionDeps, now: number = Date.now()) {
    this.#ws = ws;
    this.identity = identity;
    this.#d = deps;
    this.#heardAt = now;
    this.#bucket = new TokenBucket(deps.limits.samplesPerSecond, deps.limits.sampleBurst);
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('pong', () => this.#heard());
    ws.on('close', () => this.#onClosed());
    ws.on('error', (err) => this.#d.logger.debug({ agentId: identity.agentId, err: err.message }, 'socket error'));
  }

  #heard(): void {
    this.#heardAt = Date.now();
    this.#pingedAt = 0;
  }

  /**
   * Called by the ingest server every few seconds: closes a connection that
   * sent no hello in time, pings one that has been quiet for a ping interval
   * (agents reporting every 15 s are never pinged: their batches and our acks
   * show both ends alive), and drops one that stayed quiet a further interval.
   */
  sweep(now: number): void {
    if (this.#phase === 'closed') return;
    const quietMs = now - this.#heardAt;
    if (this.#phase === 'awaiting_hello') {
      if (quietMs >= this.#d.limits.helloTimeoutMs) this.close(CLOSE_CODES.handshakeTimeout, `no hello within ${this.#d.limits.helloTimeoutMs} ms`);
      return;
    }
    const every = this.#d.limits.pingIntervalMs;
    if (this.#pingedAt > 0 && now - this.#pingedAt >= every) {
      this.#d.logger.info({ agentId: this.identity.agentId, quietMs }, 'agent connection silent; dropping it');
      this.#ws.terminate();
    } else if (this.#pingedAt === 0 && quietMs >= every) {
      this.#pingedAt = now;
      this.#ws.ping();
    }
  }

  close(code: number, reason: string): void {
    if (this.#phase === 'closed') return;
    this.#d.logger.warn({ agentId: this.identity.agentId, code, reason }, 'closing agent connection');
    this.#phase = 'closed';
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.#ws.close(code, reason.slice(0, 120));
    setTimeout(() => this.#ws.terminate(), 2000).unref();
  }

  #send(msg: CollectorMessage): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#phase === 'closed') return;
    this.#heard();
    if (isBinary) return this.close(CLOSE_CODES.protocolError, 'binary frames are not part of the protocol');
    const res = decodeAgentMessage(data);
    if (!res.ok) return this.close(res.code === 'HM_MSG_TOO_LARGE' ? CLOSE_CODES.messageTooBig : CLOSE_CODES.protocolError, `${res.code}: ${res.reason}`);
    const msg = res.message;
    if (msg.type === 'hello') return this.#onHello(msg);
    if (this.#phase !== 'ready') return this.close(CLOSE_CODES.protocolError, `HM_MSG_ORDER: ${msg.type} before hello`);
    if (msg.type === 'gap') return this.#onGap(msg);
    if (msg.type === 'targets') return this.#onTargets(msg);
    if (msg.type === 'batch') return this.#onBatch(msg);
    return this.#onMetrics(msg);
  }

  #onHello(hello: HelloMessage): void {
    if (this.#phase !== 'awaiting_hello') return this.close(CLOSE_CODES.protocolError, 'HM_MSG_ORDER: second hello');
    if (!isProtocolSupported(hello.protocolVersion)) {
      return this.close(CLOSE_CODES.unsupportedVersion, `HM_PROTOCOL_VERSION: version ${hello.protocolVersion} not supported`);
    }
    if (hello.agentId !== this.identity.agentId) {
      // Identity comes from the credential; a payload claiming another agent is an attack or a bug.
      return this.close(CLOSE_CODES.unauthorized, 'HM_IDENTITY: hello agentId does not match the credential');
    }
    this.#epoch = hello.epoch;
    this.#accepted = Math.min(hello.protocolVersion, PROTOCOL_VERSION);
    let highWaterSeq: number;
    try {
      this.#d.onHello(this.identity, hello);
      highWaterSeq = this.#d.committer.highWater(this.identity.agentId, hello.epoch);
    } catch (err) {
      // Recording the hello writes to the database; a full disk must not take the collector down with it.
      this.#d.logger.error({ agentId: this.identity.agentId, err: (err as Error).message }, 'cannot record agent hello');
      return this.close(CLOSE_CODES.unavailable, 'HM_UNAVAILABLE: cannot store right now, retry later');
    }
    this.#phase = 'ready';
    this.#send({ v: PROTOCOL_VERSION, type: 'welcome', acceptedVersion: this.#accepted, agentId: this.identity.agentId, highWaterSeq, settings: this.#d.settings(this.identity) });
    this.#d.logger.info({ agentId: this.identity.agentId, agentVersion: hello.agentVersion, epoch: hello.epoch, highWaterSeq }, 'agent connected');
  }

  #onMetrics(m: MetricsMessage): void {
    if (m.epoch !== this.#epoch) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_EPOCH: metrics for another epoch than hello');
    if (!this.#bucket.take(m.samples.length)) return this.close(CLOSE_CODES.rateLimited, 'HM_RATE: sample rate limit exceeded');
    const samples: StoredSample[] = [];
    // Samples of polled devices (APs, controllers) go to those devices' own targets.
    const deviceSamples = new Map<string, StoredSample[]>();
    const seen = (this.#series ??= new IntSet());
    for (const s of m.samples) {
      // The series key is computed once here and reused by storage and the latest values.
      const key = seriesKey(s.name, labelsKey(s.labels));
      const h = seriesHash(s.target, key);
      if (!seen.has(h)) {
        if (seen.size >= this.#d.limits.maxSeriesPerAgent) return this.close(CLOSE_CODES.rateLimited, `HM_SERIES_CAP: more than ${this.#d.limits.maxSeriesPerAgent} series`);
        seen.add(h);
      }
      const stored = { metric: s.name, labels: s.labels, value: fromWireValue(s.value), ts: s.timestamp, key };
      if (s.target === undefined) {
        samples.push(stored);
        continue;
      }
      if (this.#accepted < 2) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_ORDER: device samples need protocol 2');
      const targetId = this.#d.resolveTarget?.(this.identity, s.target);
      if (!targetId) return this.close(CLOSE_CODES.rateLimited, 'HM_SERIES_CAP: too many device targets for one poller');
      let list = deviceSamples.get(targetId);
      if (!list) deviceSamples.set(targetId, (list = []));
      list.push(stored);
    }
    const commit = this.#d.committer.submit({
      agentId: this.identity.agentId,
      targetId: this.identity.targetId,
      epoch: m.epoch,
      seq: m.seq,
      samples,
      ...(deviceSamples.size > 0 ? { deviceSamples } : {}),
      fillHoles: this.#accepted < 2,
    });
    this.#ackAfter(commit, m.epoch);
  }

  /** Protocol 3: columns against series defined on this connection; each series is resolved to storage once. */
  #onBatch(m: BatchMessage): void {
    if (this.#accepted < 3) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_ORDER: batch needs protocol 3');
    if (m.epoch !== this.#epoch) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_EPOCH: batch for another epoch than hello');
    const n = m.ids.length;
    if (!this.#bucket.take(n)) return this.close(CLOSE_CODES.rateLimited, 'HM_RATE: sample rate limit exceeded');
    const series = (this.#defined ??= new ConnectionSeries(this.identity.targetId));
    const defs: SeriesToResolve[] = [];
    for (const d of m.defs ?? []) {
      if (d.id !== series.count) return this.close(CLOSE_CODES.protocolError, `HM_MSG_INVALID: series ${d.id} defined out of order (next id is ${series.count})`);
      if (series.count >= this.#d.limits.maxSeriesPerAgent) return this.close(CLOSE_CODES.rateLimited, `HM_SERIES_CAP: more than ${this.#d.limits.maxSeriesPerAgent} series`);
      let targetId = this.identity.targetId;
      if (d.target !== undefined) {
        const device = this.#d.resolveTarget?.(this.identity, d.target);
        if (!device) return this.close(CLOSE_CODES.rateLimited, 'HM_SERIES_CAP: too many device targets for one poller');
        targetId = device;
      }
      series.define(d.id, targetId);
      defs.push({ wireId: d.id, targetId, metric: d.name, labels: d.labels, key: seriesKey(d.name, labelsKey(d.labels)) });
    }
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const id = m.ids[i] as number;
      if (!series.isDefined(id)) return this.close(CLOSE_CODES.protocolError, `HM_MSG_INVALID: series ${id} is not defined on this connection`);
      ts[i] = batchTimestamp(m, i);
      values[i] = fromWireValue(m.values[i] as BatchMessage['values'][number]);
    }
    const commit = this.#d.committer.submit({
      agentId: this.identity.agentId,
      targetId: this.identity.targetId,
      epoch: m.epoch,
      seq: m.seq,
      samples: [],
      columns: { series, defs, wireIds: m.ids, ts, values, storageIds: new Int32Array(n) },
    });
    this.#ackAfter(commit, m.epoch);
  }

  #onTargets(msg: TargetsMessage): void {
    if (this.#accepted < 2) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_ORDER: targets need protocol 2');
    try {
      this.#d.onTargets?.(this.identity, msg);
    } catch (err) {
      // Reports repeat every poll: a failed write (full disk) is logged, not fatal to the link.
      this.#d.logger.error({ agentId: this.identity.agentId, err: (err as Error).message }, 'cannot record device report');
    }
  }

  /** Pushes new settings (a config reload changed this agent's devices or interval). */
  sendSettings(settings: AgentSettings): void {
    if (this.#phase !== 'ready' || this.#accepted < 2) return;
    this.#send({ v: PROTOCOL_VERSION, type: 'settings', settings });
  }

  #onGap(g: GapMessage): void {
    if (g.epoch !== this.#epoch) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_EPOCH: gap for another epoch than hello');
    if (this.#accepted < 2) return this.close(CLOSE_CODES.protocolError, 'HM_MSG_ORDER: gap needs protocol 2');
    const { v: _v, type: _t, ...gap } = g;
    this.#d.logger.warn({ agentId: this.identity.agentId, gap }, 'agent reports data it had to drop');
    this.#ackAfter(this.#d.committer.submitGap({ agentId: this.identity.agentId, targetId: this.identity.targetId, ...gap }), g.epoch);
  }

  /**
   * Acks go out in arrival order, each after its commit, naming the contiguous
   * high-water mark: everything up to it is stored (or settled by a gap).
   */
  #ackAfter(commit: Promise<CommitOutcome>, epoch: string): void {
    this.#ackChain = this.#ackChain.then(async () => {
      const outcome = await commit;
      if (!outcome.ok) return this.close(CLOSE_CODES.unavailable, 'HM_UNAVAILABLE: cannot store right now, retry later');
      this.#send({ v: PROTOCOL_VERSION, type: 'ack', epoch, seq: outcome.highWater });
    });
  }

  #onClosed(): void {
    this.#phase = 'closed';
    this.#d.onClose(this);
  }
}

/** FNV-1a over the device target and the series key: 32 bits, a small integer in a Set. */
function seriesHash(target: string | undefined, key: string): number {
  let h = 0x811c9dc5;
  const t = target ?? '';
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // A signed 32-bit value is a small integer to V8, not a boxed double.
  return h | 0;
}
