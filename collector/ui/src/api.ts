import type { Session } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => undefined;

/** The CSRF token lives in memory only: a reload reads it again from GET /api/v1/session. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

/** JSON over the collector's API with the session cookie; unsafe methods carry the CSRF header. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/v1/session') onUnauthorized();
    throw new ApiError(res.status, data.code ?? 'HM_UNKNOWN', data.message ?? res.statusText);
  }
  return data as T;
}

export async function currentSession(): Promise<Session | undefined> {
  try {
    const s = await api<Session>('/api/v1/session');
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

export async function signIn(name: string, password: string): Promise<Session> {
  const r = await api<{ user: Omit<Session, 'csrfToken'>; csrfToken: string }>('/api/v1/session', { method: 'POST', body: { name, password } });
  setCsrfToken(r.csrfToken);
  return { ...r.user, csrfToken: r.csrfToken };
}

export async function signOut(): Promise<void> {
  await api('/api/v1/session', { method: 'DELETE' }).catch(() => undefined);
  setCsrfToken(undefined);
}

/** Query string from a record; arrays repeat the key. */
export function qs(params: Readonly<Record<string, string | number | readonly string[] | undefined>>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) u.append(k, x);
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
