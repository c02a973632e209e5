import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * What survives the restart into a new version, kept next to the executable
 * (the one directory self-update can always write). `trial` means a new
 * version is on probation: it must connect within `trialMs` of its first
 * start or it is rolled back.
 */
export interface UpdateState {
  readonly status: 'trial' | 'ok' | 'rolled-back' | 'abandoned';
  readonly from?: string;
  readonly to?: string;
  readonly toSha256?: string;
  readonly trialMs?: number;
  readonly swappedAt?: number;
  /** When the new version first started; the probation runs from here. */
  readonly firstStartAt?: number;
  /** Starts of the new version during probation: a crash loop rolls back too. */
  readonly starts?: number;
  readonly reason?: string;
  /** Versions rolled back here; never retried with the same checksum. */
  readonly rejected: ReadonlyArray<{ readonly version: string; readonly sha256: string }>;
}

export function statePath(exe: string): string {
  return `${exe}.update.json`;
}

export async function readUpdateState(exe: string): Promise<UpdateState> {
  try {
    const o = JSON.parse(await readFile(statePath(exe), 'utf8')) as Partial<UpdateState>;
    return { ...o, status: o.status ?? 'ok', rejected: Array.isArray(o.rejected) ? o.rejected.slice(-10) : [] } as UpdateState;
  } catch {
    return { status: 'ok', rejected: [] };
  }
}

/** Atomic replace, so a power cut leaves the old or the new state, never half of one. */
export async function writeUpdateState(exe: string, state: UpdateState): Promise<void> {
  const p = statePath(exe);
  await writeFile(`${p}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await rename(`${p}.tmp`, p);
}
