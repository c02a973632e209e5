import type { GapReason, WireSample } from '@hallmonitor/shared';

export interface SpooledBatch {
  readonly seq: number;
  readonly samples: readonly WireSample[];
}

export interface PendingGap {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly fromTs: number;
  readonly toTs: number;
  readonly droppedSamples: number;
  readonly droppedBatches: number;
  readonly reason: GapReason;
}

/**
 * What the connection needs from the place batches wait in (the disk spool):
 * sequence bookkeeping and lazy, in-order reads. Nothing here holds batches in
 * memory on the connection's behalf.
 */
export interface BatchSource {
  /** Names this agent's sequence space; kept across restarts. */
  readonly epoch: string;
  readonly ackedThrough: number;
  /** Unacknowledged batches (for logs). */
  readonly size: number;
  /** The first batch with a sequence above `seq`, or undefined. */
  after(seq: number): SpooledBatch | undefined;
  /** Gaps the collector has not acknowledged yet. */
  gaps(): readonly PendingGap[];
  /** Everything up to and including `seq` is stored by the collector. */
  ackThrough(seq: number): void;
  /** New sequences must be above `seq` (the collector has seen it). */
  advancePast(seq: number): void;
  /** Gives up a batch the collector could never accept; it becomes a gap. */
  reject(batch: SpooledBatch): PendingGap;
}
