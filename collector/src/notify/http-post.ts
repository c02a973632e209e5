import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed } from './address-guard.js';

export interface PostResult {
  readonly status: number;
  /** Seconds from a Retry-After header, when present and sane. */
  readonly retryAfterSeconds?: number;
  readonly bodySnippet: string;
}

export class BlockedAddressError extends Error {
  readonly code = 'HM_NOTIFY_BLOCKED';
}

function guardedLookup(allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      for (const a of list) {
        const verdict = addressAllowed(a.address, allowPrivateNetwork);
        if (!verdict.ok) return callback(new BlockedAddressError(`refusing to connect to ${hostname}: ${verdict.reason}`), '', 0);
      }
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, first.address, first.family);
    });
  };
}

function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v), 86_400);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min((at - now) / 1000, 86_400));
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
  // A literal IP in the URL skips DNS, so it is checked here; names are checked at connect time.
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(literal) || literal.includes(':')) {
    const verdict = addressAllowed(literal, opts.allowPrivateNetwork);
    if (!verdict.ok) return Promise.reject(new BlockedAddressError(`refusing to connect to ${literal}: ${verdict.reason}`));
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
        const ra = parseRetryAfter(res.headers['retry-after'], Date.now());
        resolve({ status: res.statusCode ?? 0, bodySnippet: snippet, ...(ra !== undefined ? { retryAfterSeconds: ra } : {}) });
      });
      res.on('error', reject);
    });
    req.end(body);
  });
}
