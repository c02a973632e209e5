import type { Exec } from '../exec.js';
import type { PatchRunner } from '../patch/runner.js';
import type { HostFs } from './proc-source.js';

/**
 * What a collector factory may use. Every field is a seam: tests pass fixture
 * trees, captured command output and a fixed platform; production passes the
 * real filesystem, `realExec` and `process.platform`.
 */
export interface CollectorDeps {
  readonly fs: HostFs;
  readonly exec: Exec;
  readonly platform: NodeJS.Platform;
  /** Where slow results are cached (the patch cache). */
  readonly dataDir?: string;
  /** A patch runner started by the caller (collect --once primes one); otherwise the patch collector owns its own. */
  readonly patchRunner?: PatchRunner;
  /** Count virtual and loopback interfaces too (default: skipped). */
  readonly includeVirtualInterfaces?: boolean;
}

/** Returns `fn`'s last result while it is younger than `ttlMs`: sources that spawn (Windows, macOS) are not read every round. */
export function cachedFor<T>(ttlMs: number, fn: () => Promise<T>, clock: () => number = Date.now): () => Promise<T> {
  let at = -Infinity;
  let value: Promise<T> | undefined;
  return () => {
    const now = clock();
    if (!value || now - at >= ttlMs) {
      at = now;
      value = fn();
      // A failure is not cached: the next round tries again.
      value.catch(() => {
        value = undefined;
      });
    }
    return value;
  };
}
