import { BlockedAddressError, guardedPost, type GuardedPostResult } from '../net/guarded-connect.js';

export { BlockedAddressError };
export type PostResult = GuardedPostResult;

/** POSTs a JSON notification through the SSRF guard (see guardedPost). */
export function postJson(url: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivateNetwork: boolean }): Promise<PostResult> {
  return guardedPost(url, body, { 'content-type': 'application/json', ...headers }, { ...opts, retryAfterCapSeconds: 86_400 });
}
