import { alignTimestamps } from './align.js';
import { decodeRaw, type ChunkTable } from './chunk-table.js';
import type { OpenBuffers } from './open-buffers.js';

export interface SealOutcome {
  /** Samples written (existing ones rewritten by a merge included). */
  readonly written: number;
  /** Late samples dropped because the sealed window already had a sample in their slot. */
  readonly duplicates: number;
  readonly merged: boolean;
}

/**
 * Writes one open buffer as chunk(s). The common case is a window sealed for
 * the first time. A window that was sealed before (late or replayed samples)
 * is merged: the stored samples win, and a late sample within the alignment
 * tolerance of a stored one is the same slot, so a replay never doubles a
 * point even when the stored timestamp was aligned. The result is always
 * re-encoded from sorted, duplicate-free arrays: never a corrupt chunk.
 *
 * A spill (`spill: true`, the buffer of a window still open grew past its
 * bound) appends a chunk row when every sample is newer than what the window
 * holds on disk, and merges otherwise; the final seal of a spilled window
 * merges its rows back into one chunk, so disk use is what one seal gives.
 *
 * `lastSealedWindow` is the series' newest sealed window (-1: none): a window
 * at or before it has rows on disk already.
 */
export function sealBuffer(chunks: ChunkTable, buffers: OpenBuffers, buf: number, seriesId: number, lastSealedWindow: number, toleranceMs: number, spill = false): SealOutcome {
  const own = buffers.decode(buf);
  const start = buffers.windowStart(buf);
  const spilledMaxTs = buffers.spilledMaxTs(buf);
  let ts: number[] = own.ts;
  let values: number[] = own.values;
  let hw = buffers.maxHeadId(buf);
  let duplicates = 0;
  let merged = false;
  // Rows of this window on disk, as far as this buffer knows: its own spills, or an earlier seal.
  const appendOnly = spilledMaxTs > Number.NEGATIVE_INFINITY ? ts.length > 0 && (ts[0] as number) > spilledMaxTs + toleranceMs : start > lastSealedWindow;
  if (!(spill && appendOnly) && start <= lastSealedWindow) {
    const rows = chunks.window(seriesId, start);
    // A spilled window whose rest is empty and that is one row already: nothing to rewrite.
    if (rows.length > 1 || (rows.length === 1 && ts.length > 0)) {
      merged = true;
      const oldTs: number[] = [];
      const oldV: number[] = [];
      for (const r of rows) {
        const d = decodeRaw(r);
        for (let i = 0; i < d.ts.length; i++) {
          oldTs.push(d.ts[i] as number);
          oldV.push(d.values[i] as number);
        }
        if (r.head_hw > hw) hw = r.head_hw;
      }
      const m = mergeKeepingOld(oldTs, oldV, ts, values, toleranceMs);
      ts = m.ts;
      values = m.values;
      duplicates = m.dropped;
      chunks.removeWindow(seriesId, start, rows);
    }
  }
  const aligned = alignTimestamps(ts, toleranceMs);
  if (aligned.length > 0) {
    chunks.write(seriesId, { ts: aligned, values }, hw);
    const last = aligned[aligned.length - 1] as number;
    if (last > spilledMaxTs) buffers.setSpilledMaxTs(buf, last);
  }
  return { written: aligned.length, duplicates, merged };
}

function mergeKeepingOld(
  oldTs: readonly number[],
  oldV: readonly number[],
  newTs: readonly number[],
  newV: readonly number[],
  tol: number,
): { ts: number[]; values: number[]; dropped: number } {
  const ts: number[] = [];
  const values: number[] = [];
  let i = 0;
  let dropped = 0;
  for (let j = 0; j < newTs.length; j++) {
    const t = newTs[j] as number;
    while (i < oldTs.length && (oldTs[i] as number) < t - tol) {
      ts.push(oldTs[i] as number);
      values.push(oldV[i] as number);
      i++;
    }
    // oldTs[i] is now the first stored sample ≥ t - tol: within tol means the same slot.
    if (i < oldTs.length && (oldTs[i] as number) <= t + tol) {
      dropped++;
      continue;
    }
    // Keep strict order against the last kept sample too.
    if (ts.length > 0 && (ts[ts.length - 1] as number) >= t) {
      dropped++;
      continue;
    }
    ts.push(t);
    values.push(newV[j] as number);
  }
  for (; i < oldTs.length; i++) {
    ts.push(oldTs[i] as number);
    values.push(oldV[i] as number);
  }
  return { ts, values, dropped };
}
