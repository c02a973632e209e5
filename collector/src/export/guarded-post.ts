import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkLiteralAddress, guardedLookup, parseRetryAfter } from '../net/guarded-connect.js';

// Remote write needs a Buffer body and a keep-alive agent; the SSRF guard is the notifiers' own.
export { checkLiteralAddress };

export interface BinaryPostResult {
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly bodySnippet: string;
}

/** One keep-alive connection per endpoint: requests go out one at a time, in order. */
export function endpointAgent(url: string, allowPrivateNetwork: boolean): HttpAgent {
  const opts = { keepAlive: true, maxSockets: 1, lookup: guardedLookup(allowPrivateNetwork) };
  return new URL(url).protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
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
        const ra = parseRetryAfter(res.headers['retry-after'], Date.now(), 3600);
        resolve({ status: res.statusCode ?? 0, bodySnippet: snippet, ...(ra !== undefined ? { retryAfterSeconds: ra } : {}) });
      });
      res.on('error', reject);
    });
    req.end(body);
  });
}
