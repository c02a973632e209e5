import type { HostFs } from '../collectors/proc-source.js';
import type { Exec } from '../exec.js';

export type PatchSourceName = 'apt' | 'dnf' | 'zypper' | 'windows-update' | 'macos';

/**
 * What one slow check found. Only counts and timestamps: never package names,
 * update titles or log lines, so nothing in it can identify a person.
 * A field is absent when the source cannot tell.
 */
export interface PatchFindings {
  readonly pending?: number;
  readonly security?: number;
  readonly rebootRequired?: boolean;
  readonly rebootSources?: readonly string[];
  /** When updates were last installed (ms since the epoch). */
  readonly lastInstallAt?: number;
  /** When the OS last refreshed its update lists / searched for updates (ms). */
  readonly lastSearchAt?: number;
  /** Further flat facts, e.g. Windows definition updates left out of `pending`. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export interface PatchReport extends PatchFindings {
  readonly source: PatchSourceName | 'none';
  readonly status: 'ok' | 'error' | 'not_applicable';
  /** When the agent ran this check (ms). */
  readonly checkedAt: number;
  readonly durationMs: number;
  /** Our own one-line message; never a tool's raw output. */
  readonly error?: string;
}

/** Cheap state read every round from files only: no child process. */
export interface FastPatchState {
  readonly rebootRequired?: boolean;
  readonly rebootSources?: readonly string[];
  readonly lastSearchAt?: number;
  /** Latest change of the package database or lists: a check older than this is stale. */
  readonly changedAt?: number;
}

export interface PatchCheckContext {
  readonly exec: Exec;
  readonly fs: HostFs;
  readonly platform: NodeJS.Platform;
  /** Budget for each command; the runner also aborts `signal` at its hard deadline. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Writable directory for helper files (the Windows Update script). */
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** One OS's patch tooling. `check` may spawn (it runs on the slow schedule); `fast` may not. */
export interface PatchSource {
  readonly name: PatchSourceName;
  /** Throws NotApplicableError when this OS or tool is not present. */
  check(ctx: PatchCheckContext): Promise<PatchFindings>;
  fast?(fs: HostFs, kernelRelease: string): Promise<FastPatchState>;
}

/** The environment every patch command runs with: C locale so output is parseable, no pager or colour. */
export function toolEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, LC_ALL: 'C', LANG: 'C', LANGUAGE: 'C', TERM: 'dumb', PAGER: 'cat', SYSTEMD_PAGER: '', NO_COLOR: '1' };
}
