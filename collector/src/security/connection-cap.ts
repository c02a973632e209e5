import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Caps concurrent TCP connections per client address on the HTTP(S) server, so
 * one machine cannot hold every socket open (slowloris with many sockets).
 * The whole collector also has a global cap. Counts on the raw TCP socket, so
 * it applies before TLS and before any HTTP parsing.
 */
export function capConnections(server: Server, opts: { readonly perIp: number; readonly total: number }): void {
  const perIp = new Map<string, number>();
  server.maxConnections = opts.total;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > opts.perIp) {
      socket.destroy();
      return;
    }
    perIp.set(ip, n);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });
}
