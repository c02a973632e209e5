import type { Role } from './roles.js';

/** Who is calling the HTTP API: an API key or a dashboard session, with its role and site limit. */
export interface Principal {
  readonly kind: 'apikey' | 'session';
  /** API key id or session user id; what audit entries and acks record. */
  readonly id: string;
  readonly name: string;
  readonly userId: string | null;
  readonly role: Role;
  /** Sites this principal may see; null means every site. */
  readonly sites: readonly string[] | null;
}

/**
 * True when the principal may see objects of `site`. An object without a site
 * belongs to nobody's site, so only unrestricted principals see it.
 */
export function canSeeSite(p: Pick<Principal, 'sites'>, site: string | null | undefined): boolean {
  if (p.sites === null) return true;
  return typeof site === 'string' && p.sites.includes(site);
}

/** Users, API keys of others and the audit log belong to admins of every site. */
export function isGlobalAdmin(p: Pick<Principal, 'role' | 'sites'>): boolean {
  return p.role === 'admin' && p.sites === null;
}

/** Sites stored as a JSON array (or NULL for all). */
export function parseSites(text: string | null): readonly string[] | null {
  if (text === null) return null;
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export function formatSites(sites: readonly string[] | null | undefined): string | null {
  return sites === null || sites === undefined ? null : JSON.stringify([...new Set(sites)].sort());
}

/** True when `inner` grants no site that `outer` lacks (for delegation: keys, users). */
export function sitesWithin(inner: readonly string[] | null, outer: readonly string[] | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  return inner.every((s) => outer.includes(s));
}
