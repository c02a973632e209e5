import type { HostFacts } from '@hallmonitor/shared';

/** One measured value. `value` may be non-finite; the transport encodes it. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
}

export interface CollectContext {
  /** Timestamp for every sample of this round (ms), so one round lines up in storage. */
  readonly now: number;
  /** Aborted when the scheduler's per-collector timeout expires. */
  readonly signal: AbortSignal;
}

export interface CollectResult {
  readonly samples: readonly Sample[];
  /** Host facts this collector knows; merged into the round's facts. */
  readonly facts?: Partial<HostFacts>;
}

/**
 * One source of samples. Collectors return data or throw; they never log and
 * never time themselves — the scheduler does both, uniformly.
 */
export interface Collector {
  /** Stable name: the file name, used in logs and self-metrics. */
  readonly name: string;
  collect(ctx: CollectContext): Promise<CollectResult>;
  /** Releases timers or sessions; optional. */
  close?(): Promise<void> | void;
}

/**
 * Thrown by a collector whose source does not exist on this machine (no `dnf` on
 * Debian, no sensors in a VM). The scheduler reports it at debug level once, not
 * as a failure every round.
 */
export class NotApplicableError extends Error {
  readonly code = 'HM_AGENT_NOT_APPLICABLE';
  constructor(message: string) {
    super(message);
    this.name = 'NotApplicableError';
  }
}
