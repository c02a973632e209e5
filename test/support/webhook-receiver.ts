import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@hallmonitor/shared';

export interface ReceivedWebhook {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown>;
  /** Whether the Standard Webhooks signature verified with the receiver's secret. */
  readonly signatureOk: boolean;
}

export type Reply = { status: number; headers?: Record<string, string> };

/**
 * A real HTTP receiver for webhook tests: verifies signatures, records every
 * request, and answers with whatever the test queues (500, 429 + Retry-After,
 * 410, 301 …), then 200.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly #replies: Reply[] = [];
  readonly #server: Server;
  readonly #secret: string;
  readonly #waiters: Array<() => void> = [];
  /** Runs before each reply; a test can kill the sender here, so the request is received but never answered. */
  beforeReply: ((w: ReceivedWebhook) => Promise<void>) | undefined;

  constructor(secret: string) {
    this.#secret = secret;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        const ts = Number(req.headers['webhook-timestamp']);
        const sig = String(req.headers['webhook-signature'] ?? '');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // recorded as-is
        }
        const w: ReceivedWebhook = { at: Date.now(), headers: req.headers, body, json, signatureOk: verifyWebhook(this.#secret, { id, timestamp: ts, body }, sig, Math.floor(Date.now() / 1000)) };
        this.received.push(w);
        for (const fn of this.#waiters.splice(0)) fn();
        void (this.beforeReply ? this.beforeReply(w) : Promise.resolve()).then(() => {
          const reply = this.#replies.shift() ?? { status: 200 };
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.status === 200 ? 'ok' : 'nope');
        });
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Queues replies for the next requests. */
  reply(...replies: Reply[]): void {
    this.#replies.push(...replies);
  }

  async waitFor(predicate: (all: readonly ReceivedWebhook[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms; got ${this.received.length} request(s)`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
