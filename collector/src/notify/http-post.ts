import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockedAddressError, checkLiteralAddress, guardedLookup, parseRetryAfter } from '../net/guarded-connect.js';

export { BlockedAddressError };

export interface PostResult {
  readonly status: number;
  /** Seconds from a Retry-After header, when present and sane. */
  readonly retryAfterSeconds?: number;
  readonly bodySnippet: string;
}

/**
 * POSTs a body with the SSRF guard applied to the address actually dialled.
 * Never follows redirects (a 3xx is just a failed attempt), caps the response
 * read, and times out.
 */
export function postJson(url: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivateNetwork: boolean }): Promise<PostResult> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  if (!isHttps && u.protocol !== 'http:') return Promise.reject(new BlockedAddressError(`scheme ${u.protocol} is not allowed`));
  try {
    checkLiteralAddress(url, opts.allowPrivateNetwork);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'hallmonitor-collector', ...headers },
      lookup: guardedLookup(opts.allowPrivateNetwork),
      timeout: opts.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let snippet = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (snippet.length < 512) snippet += c.slice(0, 512 - snippet.length);
      });
      res.on('end', () => {
        const ra = parseRetryAfter(res.headers['retry-after'], Date.now(), 86_400);
        resolve({ status: res.statusCode ?? 0, bodySnippet: snippet, ...(ra !== undefined ? { retryAfterSeconds: ra } : {}) });
      });
      res.on('error', reject);
    });
    req.end(body);
  });
}
