import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed } from '../notify/address-guard.js';

/** A connection the SSRF guard refused; retrying cannot help. */
export class BlockedAddressError extends Error {
  readonly code = 'HM_NOTIFY_BLOCKED';
}

/**
 * The SSRF guard at connect time: every address a name resolves to is checked
 * in the `lookup` hook of the request itself, so DNS rebinding cannot swap the
 * address after the check. Used by notifiers and remote write alike.
 */
export function guardedLookup(allowPrivateNetwork: boolean): LookupFunction {
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

/** A literal IP in a URL never goes through `lookup`, so it is checked here. Throws BlockedAddressError. */
export function checkLiteralAddress(url: string, allowPrivateNetwork: boolean): void {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new BlockedAddressError(`scheme ${u.protocol} is not allowed`);
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(literal) || literal.includes(':')) {
    const verdict = addressAllowed(literal, allowPrivateNetwork);
    if (!verdict.ok) throw new BlockedAddressError(`refusing to connect to ${literal}: ${verdict.reason}`);
  }
}

/** Seconds from a Retry-After header (delta or HTTP date), capped; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | undefined, now: number, capSeconds: number): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v), capSeconds);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min((at - now) / 1000, capSeconds));
}

export interface GuardedPostResult {
  readonly status: number;
  /** Seconds from a Retry-After header, when present and sane. */
  readonly retryAfterSeconds?: number;
  readonly bodySnippet: string;
}

export interface GuardedPostOptions {
  readonly timeoutMs: number;
  readonly allowPrivateNetwork: boolean;
  /** A keep-alive agent (remote write); its own `lookup` must be guardedLookup. */
  readonly agent?: HttpAgent;
  readonly retryAfterCapSeconds: number;
}

/**
 * One POST with the SSRF guard applied to the address actually dialled. Never
 * follows redirects (a 3xx is just a failed attempt), reads at most 512 bytes
 * of the answer, and times out.
 */
export function guardedPost(url: string, body: string | Uint8Array, headers: Record<string, string>, opts: GuardedPostOptions): Promise<GuardedPostResult> {
  try {
    checkLiteralAddress(url, opts.allowPrivateNetwork);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const u = new URL(url);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST',
      headers: { 'content-length': String(length), 'user-agent': 'hallmonitor-collector', ...headers },
      ...(opts.agent ? { agent: opts.agent } : { lookup: guardedLookup(opts.allowPrivateNetwork) }),
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
        const ra = parseRetryAfter(res.headers['retry-after'], Date.now(), opts.retryAfterCapSeconds);
        resolve({ status: res.statusCode ?? 0, bodySnippet: snippet, ...(ra !== undefined ? { retryAfterSeconds: ra } : {}) });
      });
      res.on('error', reject);
    });
    req.end(body);
  });
}
