import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Every `data:` payload so far, parsed. */
  readonly events: unknown[];
  /** Everything received so far, comments included. */
  text(): string;
  waitFor(pred: (events: readonly unknown[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): void;
}

/** Opens GET /api/v1/events with an API key over the collector's own TLS. */
export function openEvents(url: string, key: string, ca: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/events', url), { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, ca, checkServerIdentity: () => undefined });
    req.on('error', reject);
    req.on('response', (res) => {
      let buf = '';
      const events: unknown[] = [];
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        // Re-parsed whole each time: test streams are short.
        events.length = 0;
        for (const block of buf.split('\n\n')) {
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) events.push(JSON.parse(data) as unknown);
        }
        for (const w of waiters.slice()) w();
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        text: () => buf,
        waitFor(pred, timeoutMs, what) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`${what}: not seen within ${timeoutMs} ms; got ${JSON.stringify(events)}`)), timeoutMs);
            const check = (): void => {
              if (pred(events)) {
                clearTimeout(timer);
                waiters.splice(waiters.indexOf(check), 1);
                ok();
              }
            };
            waiters.push(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}
