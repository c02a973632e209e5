import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed } from '../notify/address-guard.js';
import { BlockedAddressError } from '../notify/http-post.js';

export interface BinaryPostResult {
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly bodySnippet: string;
}

/**
 * The notifiers' SSRF guard (address-guard.ts) for binary bodies: every
 * address a name resolves to is checked at connect time, so DNS rebinding
 * cannot swap it after the check. (notify/http-post.ts does the same for JSON
 * notifications; remote write needs a Buffer body and a keep-alive agent.)
 */
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
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v), 3600);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min((at - now) / 1000, 3600));
}

/** One keep-alive connection per endpoint: requests go out one at a time, in order. */
export function endpointAgent(url: string, allowPrivateNetwork: boolean): HttpAgent {
  const opts = { keepAlive: true, maxSockets: 1, lookup: guardedLookup(allowPrivateNetwork) };
  return new URL(url).protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
}

/** Refuses literal addresses the guard forbids (a literal IP never goes through the lookup). */
export function checkLiteralAddress(url: string, allowPrivateNetwork: boolean): void {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new BlockedAddressError(`scheme ${u.protocol} is not allowed`);
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(literal) || literal.includes(':')) {
    const verdict = addressAllowed(literal, allowPrivateNetwork);
    if (!verdict.ok) throw new BlockedAddressError(`refusing to connect to ${literal}: ${verdict.reason}`);
  }
}

/** POSTs a binary body through the guarded agent; never follows redirects; times out. */
export function postBinary(url: string, body: Uint8Array, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivateNetwork: boolean; agent: HttpAgent }): Promise<BinaryPostResult> {
  try {
    checkLiteralAddress(url, opts.allowPrivateNetwork);
  } catch (err) {
    return Promise.reject(err);
  }
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST',
      agent: opts.agent,
      lookup: guardedLookup(opts.allowPrivateNetwork),
      headers: { 'content-length': String(body.byteLength), 'user-agent': 'hallmonitor-collector', ...headers },
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
