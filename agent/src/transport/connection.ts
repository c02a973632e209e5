import {
  CLOSE_CODES,
  FATAL_CLOSE_CODES,
  PROTOCOL_VERSION,
  decodeCollectorMessage,
  type AgentSettings,
  type HelloMessage,
} from '@hallmonitor/shared';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffDelay } from './backoff.js';
import type { Outbox } from './outbox.js';
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
  readonly epoch: string;
  readonly outbox: Outbox;
  readonly logger: Logger;
  readonly hello: () => Omit<HelloMessage, 'v' | 'type' | 'protocolVersion' | 'epoch' | 'agentId'>;
  readonly onSettings?: (settings: AgentSettings) => void;
  readonly backoff?: { readonly baseMs: number; readonly capMs: number; readonly fatalMs: number };
  readonly handshakeTimeoutMs?: number;
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
 * Batches stay in the outbox until acked, and are resent above the collector's
 * high-water mark after every reconnect.
 */
export class Connection {
  #state: ConnectionState = 'idle';
  #ws: WebSocket | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastCloseCode: number | undefined;
  readonly #opts: ConnectionOptions;
  readonly #log: Logger;

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ module: 'connection' });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    this.#connect();
  }

  /** Sends a new batch now if connected; otherwise it waits in the outbox. */
  flush(): void {
    if (this.#state === 'ready') this.#sendPending(this.#sentThrough);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
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

  #sentThrough = 0;

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
        epoch: this.#opts.epoch,
        ...this.#opts.hello(),
      };
      ws.send(JSON.stringify(hello));
      handshakeTimer = setTimeout(() => ws.terminate(), this.#opts.handshakeTimeoutMs ?? 10_000);
    });

    ws.on('message', (data: WebSocket.RawData) => {
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
        this.#log.info({ acceptedVersion: msg.acceptedVersion, highWaterSeq: msg.highWaterSeq, queued: this.#opts.outbox.size }, 'connected to collector');
        this.#opts.outbox.ackThrough(msg.highWaterSeq);
        this.#opts.outbox.advancePast(msg.highWaterSeq);
        this.#opts.onSettings?.(msg.settings);
        this.#sentThrough = msg.highWaterSeq;
        this.#sendPending(msg.highWaterSeq);
      } else if (msg.type === 'ack') {
        if (msg.epoch === this.#opts.epoch) this.#opts.outbox.ackThrough(msg.seq);
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
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#state === 'stopped') return;
      const effective = code === 1006 && this.#lastCloseCode ? this.#lastCloseCode : code;
      this.#lastCloseCode = undefined;
      this.#scheduleReconnect(effective, reason.toString());
    });
  }

  #sendPending(after: number): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    for (const batch of this.#opts.outbox.after(after)) {
      // Stop when the socket's buffer is full; the next flush or ack continues.
      if (ws.bufferedAmount > 4 * 1024 * 1024) break;
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'metrics', epoch: this.#opts.epoch, seq: batch.seq, samples: batch.samples }));
      this.#sentThrough = batch.seq;
    }
  }

  #scheduleReconnect(code: number, reason: string): void {
    this.#to('backoff');
    const b = this.#opts.backoff ?? { baseMs: 1000, capMs: 60_000, fatalMs: 300_000 };
    const fatal = FATAL_CLOSE_CODES.has(code);
    const delay = fatal ? b.fatalMs : backoffDelay(this.#attempt++, b.baseMs, b.capMs);
    const level = fatal ? 'error' : 'warn';
    this.#log[level]({ code, reason: reason || undefined, retryInMs: delay }, fatal ? 'collector refused this agent; retrying much later' : 'disconnected from collector');
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
