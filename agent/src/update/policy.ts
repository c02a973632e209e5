import { createHash } from 'node:crypto';
import type { UpdateAdvert } from './advert.js';

export interface UpdateSubject {
  readonly agentId: string;
  readonly name?: string;
  readonly version: string;
  /** `${process.platform}-${process.arch}`, e.g. linux-x64, win32-x64. */
  readonly platformKey: string;
  /** Versions (with checksum) this agent already tried and rolled back. */
  readonly rejected: ReadonlyArray<{ readonly version: string; readonly sha256: string }>;
}

export type UpdateDecision =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'update'; readonly version: string; readonly file: string; readonly sha256: string; readonly size: number; readonly delayMs: number; readonly trialMs: number };

/**
 * This agent's stable place in the rollout, 0 ≤ bucket < 100: the same agent is
 * always in or out of a 10 % ring, and raising the percentage only adds agents.
 */
export function rolloutBucket(agentId: string): number {
  return (createHash('sha256').update(agentId).digest().readUInt32BE(0) / 2 ** 32) * 100;
}

/** Pure: whether and when to update, given the collector's advert. */
export function decideUpdate(advert: UpdateAdvert, me: UpdateSubject, random: () => number = Math.random): UpdateDecision {
  if (advert.version === me.version) return { kind: 'none', reason: 'up to date' };
  const f = advert.files[me.platformKey];
  if (!f) return { kind: 'none', reason: `no executable for ${me.platformKey} on the collector` };
  if (me.rejected.some((r) => r.version === advert.version && r.sha256 === f.sha256)) return { kind: 'none', reason: `version ${advert.version} was rolled back here before` };
  const pilot = advert.pilot.includes(me.agentId) || (me.name !== undefined && advert.pilot.includes(me.name));
  if (!pilot && rolloutBucket(me.agentId) >= advert.percent) return { kind: 'none', reason: `not in the ${advert.percent}% ring yet` };
  return {
    kind: 'update',
    version: advert.version,
    file: f.file,
    sha256: f.sha256,
    size: f.size,
    delayMs: Math.floor(random() * advert.jitterSeconds * 1000),
    trialMs: advert.trialSeconds * 1000,
  };
}
