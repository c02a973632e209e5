import { chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { writePatchCache } from '../patch/cache.js';
import { PatchRunner } from '../patch/runner.js';
import { PATCH_SOURCES } from '../patch/sources.js';
import { defaultAgentDataDir } from '../data-dir.js';

/**
 * `patch-check --write FILE`: one slow patch check, written where the agent
 * reads its patch cache. Some package managers answer fully only to root; the
 * installers run this from a small root oneshot unit on a timer, so the
 * long-running agent itself never needs root.
 */
export function addPatchCheckCommand(program: Command): void {
  program
    .command('patch-check')
    .description('run one OS patch-level check now and write the result to the agent\'s patch cache (the root timer runs this)')
    .option('--write <file>', 'cache file to write', join(defaultAgentDataDir(), 'patch-cache.json'))
    .action(async (o: { write: string }) => {
      const logger = pino({ level: process.env.HALLMONITOR_LOG_LEVEL ?? 'warn' }, pino.destination(2));
      const runner = new PatchRunner({ sources: PATCH_SOURCES, logger, dataDir: dirname(o.write) });
      const report = await runner.runNow();
      await runner.stop();
      // TODO(patch-integration): the long-running agent's PatchRunner reads this cache once at
      // start and then runs its own checks; it should re-read the file when it is newer than its
      // in-memory report, so root's results (written here) win between agent restarts.
      // The runner caches under its data dir by its own name; honour another name too.
      if (resolve(o.write) !== resolve(await runner.cachePath())) await writePatchCache(o.write, report);
      // Written by root, read by the unprivileged agent. Only counts and dates: nothing secret.
      await chmod(o.write, 0o644);
      process.stdout.write(`${JSON.stringify({ source: report.source, status: report.status, pending: report.pending, security: report.security, rebootRequired: report.rebootRequired, error: report.error })}\n`);
      if (report.status === 'error') process.exitCode = 1;
    });
}
