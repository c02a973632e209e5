import { readFileSync } from 'node:fs';
import type { GapReason } from '@hallmonitor/shared';

/** A run of batches the agent will never deliver, reported to the collector as a `gap`. */
export interface SpoolGap {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly fromTs: number;
  readonly toTs: number;
  readonly droppedSamples: number;
  readonly droppedBatches: number;
  readonly reason: GapReason;
}

/**
 * spool/state.json: what must survive a restart besides the records: the epoch
 * (so the collector's high-water mark stays meaningful), the sequence floor
 * (so sequences never repeat after every segment was acked and deleted), and
 * the gaps not yet acknowledged.
 */
export interface SpoolState {
  readonly v: 1;
  readonly epoch: string;
  readonly nextSeqFloor: number;
  /** Highest sequence the collector acknowledged when state was last written. */
  readonly ackedFloor: number;
  readonly gaps: readonly SpoolGap[];
}

const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const REASONS = new Set(['spool_cap', 'spool_age', 'spool_corrupt']);

function isGap(g: unknown): g is SpoolGap {
  if (g === null || typeof g !== 'object') return false;
  const x = g as Record<string, unknown>;
  const ints = ['fromSeq', 'toSeq', 'fromTs', 'toTs', 'droppedSamples', 'droppedBatches'].every((k) => Number.isSafeInteger(x[k]) && (x[k] as number) >= 0);
  return ints && (x.fromSeq as number) >= 1 && (x.toSeq as number) >= (x.fromSeq as number) && REASONS.has(x.reason as string);
}

/** Reads state.json; undefined when missing, unreadable or malformed (the caller quarantines it). */
export function readSpoolState(path: string): { state: SpoolState | undefined; damaged: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { state: undefined, damaged: (err as NodeJS.ErrnoException).code !== 'ENOENT' };
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v.v !== 1 || typeof v.epoch !== 'string' || !EPOCH.test(v.epoch) || !Number.isSafeInteger(v.nextSeqFloor) || !Array.isArray(v.gaps) || !v.gaps.every(isGap)) {
      return { state: undefined, damaged: true };
    }
    const ackedFloor = Number.isSafeInteger(v.ackedFloor) && (v.ackedFloor as number) >= 0 ? (v.ackedFloor as number) : 0;
    return { state: { v: 1, epoch: v.epoch, nextSeqFloor: Math.max(1, v.nextSeqFloor as number), ackedFloor, gaps: v.gaps as SpoolGap[] }, damaged: false };
  } catch {
    return { state: undefined, damaged: true };
  }
}

/**
 * Gaps are kept one per dropped segment and never merged: a merged gap resent
 * after a partial delivery would count its samples twice on the dashboard. Their
 * number is bounded by the segments an outage can drop, a few per day.
 */
export function addGap(gaps: readonly SpoolGap[], gap: SpoolGap): SpoolGap[] {
  return [...gaps, gap].sort((a, b) => a.fromSeq - b.fromSeq);
}
