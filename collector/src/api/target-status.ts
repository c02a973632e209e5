import type { Target } from '../targets/targets.js';

export type TargetStatus = 'up' | 'down' | 'unknown';

/**
 * A target is up while it reported within `offlineAfterMs`; never heard from is
 * unknown. (Schedules and dependencies refine this in the alerting work.)
 */
export function targetStatus(t: Pick<Target, 'lastSeen'>, now: number, offlineAfterMs: number): TargetStatus {
  if (t.lastSeen === null) return 'unknown';
  return now - t.lastSeen <= offlineAfterMs ? 'up' : 'down';
}
