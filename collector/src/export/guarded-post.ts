import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { checkLiteralAddress, guardedLookup, guardedPost, type GuardedPostResult } from '../net/guarded-connect.js';

// Remote write needs a Buffer body and a keep-alive agent; the SSRF guard is the notifiers' own.
export { checkLiteralAddress };

export type BinaryPostResult = GuardedPostResult;

/** One keep-alive connection per endpoint: requests go out one at a time, in order. */
export function endpointAgent(url: string, allowPrivateNetwork: boolean): HttpAgent {
  const opts = { keepAlive: true, maxSockets: 1, lookup: guardedLookup(allowPrivateNetwork) };
  return new URL(url).protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
}

/** POSTs a binary body through the endpoint's guarded keep-alive agent (see guardedPost). */
export function postBinary(url: string, body: Uint8Array, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivateNetwork: boolean; agent: HttpAgent }): Promise<BinaryPostResult> {
  return guardedPost(url, body, headers, { ...opts, retryAfterCapSeconds: 3600 });
}
