import type { ScheduleConfig } from '../config/schema.js';
import { expectedOnline } from '../rules/schedule.js';
import type { Target } from './targets.js';

/** Synthetic metric the collector computes for every agent host: 1 while it reports, 0 when it went quiet. */
export const TARGET_UP_METRIC = 'hallmonitor_target_up';

export type TargetStatus = 'up' | 'down' | 'expected_offline' | 'unknown';

export interface LivenessInputs {
  readonly now: number;
  readonly offlineAfterMs: number;
  readonly schedules: readonly ScheduleConfig[];
  /** Status of another target (for dependencies), without recursion into its own parents. */
  readonly statusOf?: (id: string) => TargetStatus | undefined;
  /** A polled device not reported for this long is unknown (its poller stopped polling it). */
  readonly deviceStaleAfterMs?: number;
}

/**
 * A host is up while it reported within `offlineAfterMs`. Outside its
 * expected-online schedule a silent host is expected offline, not down. A
 * target whose parent (poller, controller) is down is unknown: we cannot see it.
 * A target never heard from counts from its enrollment.
 */
export function targetStatus(t: Target, i: LivenessInputs): TargetStatus {
  if (t.parentId && i.statusOf) {
    const parent = i.statusOf(t.parentId);
    if (parent === 'down' || parent === 'unknown') return 'unknown';
  }
  if (t.kind !== 'host') {
    // APs and controllers: what the last poll said, while it is recent.
    if (t.lastSeen === null || i.now - t.lastSeen > (i.deviceStaleAfterMs ?? 180_000)) return 'unknown';
    return t.facts.up === false ? 'down' : 'up';
  }
  const seen = t.lastSeen ?? null;
  if (seen !== null && i.now - seen <= i.offlineAfterMs) return 'up';
  if (!expectedOnline(i.schedules, t, i.now)) return 'expected_offline';
  if (seen === null) return i.now - t.createdAt <= i.offlineAfterMs ? 'unknown' : 'down';
  return 'down';
}

/**
 * Tracks the last `hallmonitor_target_up` value per host and returns only the
 * changes, so the rule engine sees one sample per state change, not one per tick.
 */
export class LivenessTracker {
  readonly #last = new Map<string, number>();

  /**
   * `inGrace` is true right after the collector started: agents have not had
   * time to reconnect, so silence then means nothing and no 0 is emitted.
   */
  changes(targets: readonly Target[], status: (t: Target) => TargetStatus, inGrace = false): Array<{ target: Target; value: number }> {
    const out: Array<{ target: Target; value: number }> = [];
    for (const t of targets) {
      if (t.kind !== 'host') continue;
      const s = status(t);
      if (inGrace && s === 'down') continue;
      // Expected offline and unknown produce no sample: nothing to alert on.
      const value = s === 'up' ? 1 : s === 'down' ? 0 : undefined;
      if (value === undefined) {
        this.#last.delete(t.id);
        continue;
      }
      if (this.#last.get(t.id) !== value) {
        this.#last.set(t.id, value);
        out.push({ target: t, value });
      }
    }
    return out;
  }
}
