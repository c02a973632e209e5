import {
  CLOSE_CODES,
  FATAL_CLOSE_CODES,
  PROTOCOL_VERSION,
  SeriesDictionary,
  decodeAgentMessage,
  decodeCollectorMessage,
  type AgentSettings,
  type GapMessage,
  type HelloMessage,
  type TargetsMessage,
} from '@hallmonitor/shared';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffDelay } from './backoff.js';
import { DrainBudget, DEFAULT_DRAIN, type DrainOptions } from './drain.js';
import type { BatchSource, SpooledBatch } from './batch-source.js';
import type { PinnedTls } from './tls.js';

export type ConnectionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'backoff' | 'stopped';

/** The only moves the connection may make; anything else is a bug and throws. */
const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'stopped'],
  connecting: ['handshaking', 'backoff', 'stopped'],
  handshaking: ['ready', 'backoff', 'stopped'],
  ready: ['backoff', 'stopped'],
  backoff: ['connecting', 'stopped'],
  stopped: [],
};

export interface ConnectionOptions {
  readonly url: string;
  readonly tls: PinnedTls;
  readonly agentId: string;
  readonly credential: string;
  /** Where batches wait until acked (the disk spool); it also owns the epoch. */
  readonly spool: BatchSource;
  readonly logger: Logger;
  readonly hello: () => Omit<HelloMessage, 'v' | 'type' | 'protocolVersion' | 'epoch' | 'agentId'>;
  readonly onSettings?: (settings: AgentSettings) => void;
  readonly backoff?: { readonly baseMs: number; readonly capMs: number; readonly fatalMs: number };
  readonly handshakeTimeoutMs?: number;
  /** How fast a backlog is resent after a reconnect. */
  readonly drain?: Partial<DrainOptions>;
  /**
   * With batches outstanding and nothing heard from the collector for this
   * long, the link is taken as dead (a stalled or black-holed path that TCP
   * would take many minutes to notice) and is reconnected.
   */
  readonly stallTimeoutMs?: number;
}

/** Counters for logs and tests. */
export interface ConnectionStats {
  /** Batches sent in sequence order (the backlog and any batch already next in line). */
  inOrderBatches: number;
  /** Batches sent ahead of a draining backlog, as soon as they were collected. */
  liveBatches: number;
  gapsSent: number;
}


/** Ingest path on the collector. */
export function ingestUrl(collectorUrl: string): string {
  const u = new URL(collectorUrl);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = '/api/v1/agent/ws';
  return u.toString();
}

/**
 * The agent's link to the collector as an explicit state machine:
 * idle → connecting → handshaking → ready, and on any failure → backoff → connecting.
 * Batches stay in the spool until acked, and are resent above the collector's
 * high-water mark after every reconnect: in sequence order, at most
 * `windowBatches` ahead of the last ack and at most `samplesPerSecond`, so a
 * weekend's backlog neither floods the collector nor trips its rate limit.
 * A batch collected while a backlog drains goes out at once (protocol ≥ 2: the
 * collector then stores out of order and still acks only a contiguous prefix).
 */
export class Connection {
  #state: ConnectionState = 'idle';
  #ws: WebSocket | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastCloseCode: number | undefined;
  readonly #opts: ConnectionOptions;
  readonly #log: Logger;
  readonly #drain: DrainOptions;
  readonly #budget: DrainBudget;
  /** Protocol version the collector accepted on this connection. */
  #accepted = 1;
  /** Series numbered on this connection (protocol 3); a new connection starts over. */
  #dict = new SeriesDictionary();
  /** Highest sequence sent by the in-order walk on this connection. */
  #drainCursor = 0;
  /** Gaps (by first sequence) already sent on this connection. */
  readonly #gapsSent = new Set<number>();
  /** Sequences above the cursor already sent live; the walk skips them. */
  readonly #liveSent = new Set<number>();
  #pumpTimer: NodeJS.Timeout | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  #lastHeard = 0;
  readonly stats: ConnectionStats = { inOrderBatches: 0, liveBatches: 0, gapsSent: 0 };

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ module: 'connection' });
    this.#drain = { ...DEFAULT_DRAIN, ...opts.drain };
    this.#budget = new DrainBudget(this.#drain.samplesPerSecond);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    this.#connect();
  }

  /**
   * Called after a batch was spooled: sends it now if connected (in order, or
   * live ahead of a draining backlog); otherwise it waits in the spool.
   */
  flush(batch?: SpooledBatch): void {
    if (this.#state !== 'ready') return;
    this.#pump();
    const ws = this.#ws;
    if (!batch || batch.seq <= this.#drainCursor || this.#accepted < 2 || !ws || ws.readyState !== WebSocket.OPEN) return;
    this.#budget.charge(batch.samples.length);
    if (this.#sendBatch(ws, batch)) this.stats.liveBatches++;
    this.#liveSent.add(batch.seq);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    clearTimeout(this.#pumpTimer);
    clearInterval(this.#stallTimer);
    const ws = this.#ws;
    this.#to('stopped');
    if (ws && ws.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(CLOSE_CODES.goingAway, 'agent stopping');
        setTimeout(resolve, 1000).unref();
      });
    }
    ws?.terminate();
  }

  /**
   * Sends an unsequenced message (a device `targets` report) if connected to a
   * collector that speaks protocol 2; returns false otherwise. Such messages are
   * repeated by their producer, so dropping one while disconnected is fine.
   */
  sendTransient(msg: TargetsMessage): boolean {
    const ws = this.#ws;
    if (this.#state !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN || this.#accepted < 2) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  #to(next: ConnectionState): void {
    if (this.#state === next) return;
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new Error(`connection: illegal transition ${this.#state} → ${next}`);
    }
    this.#log.debug({ from: this.#state, to: next }, 'connection state');
    this.#state = next;
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    this.#to('connecting');
    const ws = new WebSocket(ingestUrl(this.#opts.url), {
      headers: { authorization: `Bearer ${this.#opts.agentId}.${this.#opts.credential}` },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      maxPayload: 1024 * 1024,
      ...this.#opts.tls,
    });
    this.#ws = ws;
    let handshakeTimer: NodeJS.Timeout | undefined;

    ws.on('open', () => {
      if (this.#state !== 'connecting') return;
      this.#to('handshaking');
      const hello: HelloMessage = {
        v: PROTOCOL_VERSION,
        type: 'hello',
        agentId: this.#opts.agentId,
        protocolVersion: PROTOCOL_VERSION,
        epoch: this.#opts.spool.epoch,
        ...this.#opts.hello(),
      };
      ws.send(JSON.stringify(hello));
      handshakeTimer = setTimeout(() => ws.terminate(), this.#opts.handshakeTimeoutMs ?? 10_000);
    });

    ws.on('ping', () => {
      this.#lastHeard = Date.now();
    });

    ws.on('message', (data: WebSocket.RawData) => {
      this.#lastHeard = Date.now();
      const res = decodeCollectorMessage(data as Buffer);
      if (!res.ok) {
        this.#log.warn({ code: res.code, reason: res.reason }, 'bad message from collector');
        ws.close(CLOSE_CODES.protocolError, res.code);
        return;
      }
      const msg = res.message;
      if (msg.type === 'welcome') {
        clearTimeout(handshakeTimer);
        if (this.#state !== 'handshaking') return;
        this.#to('ready');
        this.#attempt = 0;
        const spool = this.#opts.spool;
        if (msg.highWaterSeq < spool.ackedThrough) {
          // Acknowledged data the collector no longer has: its storage lost durability. Say so loudly.
          this.#log.error({ highWaterSeq: msg.highWaterSeq, ackedThrough: spool.ackedThrough }, 'collector high-water mark is below what it acknowledged');
        }
        spool.ackThrough(msg.highWaterSeq);
        spool.advancePast(msg.highWaterSeq);
        this.#accepted = msg.acceptedVersion;
        this.#dict = new SeriesDictionary();
        this.#drainCursor = msg.highWaterSeq;
        this.#gapsSent.clear();
        this.#liveSent.clear();
        this.#log.info({ acceptedVersion: msg.acceptedVersion, highWaterSeq: msg.highWaterSeq, queued: spool.size, gaps: spool.gaps().length }, 'connected to collector');
        this.#opts.onSettings?.(msg.settings);
        this.#watchStall(ws);
        this.#pump();
      } else if (msg.type === 'ack') {
        if (msg.epoch !== this.#opts.spool.epoch) return;
        this.#opts.spool.ackThrough(msg.seq);
        if (msg.seq > this.#drainCursor) this.#drainCursor = msg.seq;
        for (const s of this.#liveSent) if (s <= this.#drainCursor) this.#liveSent.delete(s);
        this.#pump();
      } else if (msg.type === 'settings') {
        this.#log.info('new settings from collector');
        this.#opts.onSettings?.(msg.settings);
      } else {
        this.#log.warn({ code: msg.code, reason: msg.message }, 'collector reported an error');
      }
    });

    ws.on('unexpected-response', (_req, res) => {
      // The upgrade was refused with a plain HTTP status (401 before any message is read).
      this.#lastCloseCode = res.statusCode === 401 || res.statusCode === 403 ? CLOSE_CODES.unauthorized : undefined;
      this.#log.warn({ status: res.statusCode }, 'collector refused the connection');
      ws.terminate();
    });

    ws.on('error', (err) => {
      this.#log.debug({ err: err.message }, 'socket error');
    });

    ws.on('close', (code, reason) => {
      clearTimeout(handshakeTimer);
      clearInterval(this.#stallTimer);
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#state === 'stopped') return;
      const effective = code === 1006 && this.#lastCloseCode ? this.#lastCloseCode : code;
      this.#lastCloseCode = undefined;
      this.#scheduleReconnect(effective, reason.toString());
    });
  }

  /**
   * Gaps tell a protocol-2 collector which sequences will never come, so its
   * high-water mark can pass them. Sent after the welcome and whenever the
   * spool drops more while connected (a drain slower than the cap fills).
   */
  #sendGaps(ws: WebSocket): void {
    if (this.#accepted < 2) return;
    for (const g of this.#opts.spool.gaps()) {
      if (g.toSeq <= this.#opts.spool.ackedThrough || this.#gapsSent.has(g.fromSeq)) continue;
      this.#gapsSent.add(g.fromSeq);
      const gap: GapMessage = { v: PROTOCOL_VERSION, type: 'gap', epoch: this.#opts.spool.epoch, ...g };
      ws.send(JSON.stringify(gap));
      this.stats.gapsSent++;
    }
  }

  /**
   * Sends one batch after checking it as the collector will. A batch that can
   * never pass (over the size limit, a label too long) would get the link
   * closed on every attempt, so it is given up as a gap instead.
   */
  #sendBatch(ws: WebSocket, batch: SpooledBatch): boolean {
    const epoch = this.#opts.spool.epoch;
    // Protocol 3: columns against series this connection defined once (a round is ~1 KB instead of ~5.5 KB).
    const columns = this.#accepted >= 3 ? this.#dict.encode(epoch, batch.seq, batch.samples) : undefined;
    const text = JSON.stringify(columns ?? { v: PROTOCOL_VERSION, type: 'metrics', epoch, seq: batch.seq, samples: batch.samples });
    const check = decodeAgentMessage(text);
    if (!check.ok) {
      // Never sent: the series it would have defined are defined by the next message instead.
      if (columns) this.#dict.forget(columns);
      const gap = this.#opts.spool.reject(batch);
      this.#log.error({ seq: batch.seq, code: check.code, reason: check.reason, gap }, 'batch can never be accepted by the collector; dropped and reported as a gap');
      this.#sendGaps(ws);
      return false;
    }
    ws.send(text);
    return true;
  }

  /** Sends spooled batches in order within the window and the rate budget; re-arms itself when one of them is the limit. */
  #pump(): void {
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    const ws = this.#ws;
    if (this.#state !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN) return;
    const spool = this.#opts.spool;
    this.#sendGaps(ws);
    for (;;) {
      if (ws.bufferedAmount > this.#drain.maxBufferedBytes) return this.#pumpLater(50);
      // The window reopens on the next ack, which calls back here.
      if (this.#drainCursor - Math.max(spool.ackedThrough, 0) >= this.#drain.windowBatches) return;
      const next = spool.after(this.#drainCursor);
      if (!next) return;
      if (this.#liveSent.delete(next.seq)) {
        this.#drainCursor = next.seq;
        continue;
      }
      const waitMs = this.#budget.take(next.samples.length);
      if (waitMs > 0) return this.#pumpLater(waitMs);
      if (this.#sendBatch(ws, next)) this.stats.inOrderBatches++;
      this.#drainCursor = next.seq;
    }
  }

  #watchStall(ws: WebSocket): void {
    const limit = this.#opts.stallTimeoutMs ?? 60_000;
    this.#lastHeard = Date.now();
    clearInterval(this.#stallTimer);
    this.#stallTimer = setInterval(() => {
      const waiting = this.#drainCursor > this.#opts.spool.ackedThrough || this.#liveSent.size > 0;
      if (waiting && Date.now() - this.#lastHeard > limit) {
        this.#log.warn({ silentMs: Date.now() - this.#lastHeard }, 'no answer from collector; reconnecting');
        ws.terminate();
      }
    }, Math.max(50, Math.floor(limit / 4)));
    this.#stallTimer.unref();
  }

  #pumpLater(ms: number): void {
    this.#pumpTimer = setTimeout(() => this.#pump(), ms);
  }

  #scheduleReconnect(code: number, reason: string): void {
    clearTimeout(this.#pumpTimer);
    this.#to('backoff');
    const b = this.#opts.backoff ?? { baseMs: 1000, capMs: 60_000, fatalMs: 300_000 };
    const fatal = FATAL_CLOSE_CODES.has(code);
    const delay = fatal ? b.fatalMs : backoffDelay(this.#attempt++, b.baseMs, b.capMs);
    const level = fatal ? 'error' : 'warn';
    this.#log[level]({ code, reason: reason || undefined, retryInMs: delay }, fatal ? 'collector refused this agent; retrying much later' : 'disconnected from collector');
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
