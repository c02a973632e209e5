/**
 * Cross-site WebSocket hijacking and CSRF defence: a browser always sends
 * `Origin` on WebSocket upgrades and on cross-origin POSTs, and a page on
 * another origin cannot forge it. Non-browser clients (agents, curl) send no
 * Origin and authenticate with a bearer credential, which a browser never
 * attaches on its own.
 */
export interface OriginPolicy {
  /** Extra origins allowed besides the collector's own (e.g. publicUrl behind a proxy). */
  readonly allowed: readonly string[];
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when a request's Origin may talk to us: absent (not a browser), equal
 * to the origin the request was addressed to (`host` header + scheme), or on
 * the allow-list. `null` (sandboxed frames, file://) is refused.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, secure: boolean, policy: OriginPolicy = { allowed: [] }): boolean {
  if (origin === undefined) return true;
  const o = originOf(origin);
  if (!o) return false;
  if (host && o === originOf(`${secure ? 'https' : 'http'}://${host}`)) return true;
  return policy.allowed.some((a) => originOf(a) === o);
}
