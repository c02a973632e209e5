import { createConnection, createServer, type Server, type Socket } from 'node:net';

/*
 * A small fault-injecting TCP proxy (Toxiproxy's ideas, in-process): every
 * chunk is sliced into random small pieces and delayed, and the test can cut
 * all connections (often mid-frame, since frames are sliced), stall them, or
 * black-hole them (stop forwarding forever while the sockets stay open).
 */
interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  blackholed: boolean;
}

export interface ProxyOptions {
  readonly maxSlice: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
}

export class FaultProxy {
  readonly #pairs = new Set<Pair>();
  readonly #server: Server;
  readonly #o: ProxyOptions;
  #stallUntil = 0;
  cuts = 0;
  connections = 0;
  bytes = 0;

  constructor(readonly targetPort: number, opts: ProxyOptions) {
    this.#o = opts;
    this.#server = createServer((client) => this.#onClient(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as { port: number }).port;
  }

  #onClient(client: Socket): void {
    this.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    const pair: Pair = { client, upstream, blackholed: false };
    this.#pairs.add(pair);
    const end = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    this.#forward(pair, client, upstream);
    this.#forward(pair, upstream, client);
  }

  /** Slices and delays one direction, keeping byte order (one chain per direction). */
  #forward(pair: Pair, from: Socket, to: Socket): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      from.pause();
      chain = chain.then(async () => {
        for (let off = 0; off < chunk.length; ) {
          const n = 1 + Math.floor(this.#o.random() * this.#o.maxSlice);
          const piece = chunk.subarray(off, off + n);
          off += n;
          const stall = this.#stallUntil - Date.now();
          const delay = Math.floor(this.#o.random() * this.#o.maxDelayMs) + Math.max(0, stall);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          if (pair.blackholed || to.destroyed) return;
          to.write(piece);
          this.bytes += piece.length;
        }
      });
      void chain.then(() => from.resume());
    });
  }

  /** Destroys every open connection at once; slicing makes most cuts land mid-frame. */
  cutAll(): void {
    for (const p of this.#pairs) {
      this.cuts++;
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Holds all forwarding for `ms` (then it resumes where it was). */
  stall(ms: number): void {
    this.#stallUntil = Date.now() + ms;
  }

  /** Current connections stop forwarding forever but stay open: only a timeout notices. */
  blackholeAll(): void {
    for (const p of this.#pairs) p.blackholed = true;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
