import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface HttpJsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One JSON request with a hard timeout and a response size cap. TLS options
 * (CA, pin check) are the caller's; redirects are never followed.
 */
export function httpJson(
  url: string,
  opts: { method?: string; body?: unknown; tls?: Pick<RequestOptions, 'ca' | 'checkServerIdentity' | 'rejectUnauthorized'>; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<HttpJsonResponse> {
  const u = new URL(url);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const isHttps = u.protocol === 'https:';
  const req = (isHttps ? httpsRequest : httpRequest)(u, {
    method: opts.method ?? (payload ? 'POST' : 'GET'),
    headers: {
      accept: 'application/json',
      ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      ...opts.headers,
    },
    ...(isHttps ? opts.tls : {}),
    timeout: opts.timeoutMs ?? 15_000,
  });
  return new Promise((resolve, reject) => {
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4 * 1024 * 1024) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text for the error message
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.end(payload);
  });
}
