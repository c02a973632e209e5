import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { WireSample } from '@hallmonitor/shared';
import { Spool, type SpoolOptions } from '../../src/spool/spool.js';

export function tempDir(prefix = 'hm-spool-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `n` samples stamped `ts`, their values naming the batch so tests can tell batches apart. */
export function samples(n: number, ts: number, tag = 0): WireSample[] {
  return Array.from({ length: n }, (_, i) => ({ name: 'fault_value', labels: { i: String(i) }, value: tag, timestamp: ts }));
}

export function openSpool(dir: string, opts: Partial<SpoolOptions> = {}): Spool {
  return Spool.open({ dir, maxBytes: 64 * 1024 * 1024, maxAgeMs: 7 * 86_400_000, fsync: 'never', ...opts });
}

/** Every batch readable after `seq`, in order. */
export function readAll(spool: Spool, after = 0): Array<{ seq: number; n: number }> {
  const out: Array<{ seq: number; n: number }> = [];
  for (let b = spool.after(after); b; b = spool.after(b.seq)) out.push({ seq: b.seq, n: b.samples.length });
  return out;
}
