import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Makes the SEA preparation blob once. Code cache and snapshot stay off: both
 * are specific to the CPU and platform that made them, and one blob serves
 * every target.
 */
export async function makeBlob({ bundle, workDir }) {
  const blob = join(workDir, 'agent.blob');
  const config = join(workDir, 'sea-config.json');
  await writeFile(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }));
  await run(process.execPath, ['--experimental-sea-config', config]);
  return readFile(blob);
}

/** Copies a Node binary and injects the blob: the result runs the agent and nothing else. */
export async function injectBlob({ nodeBinary, blob, outFile }) {
  const { inject } = require('postject');
  const tmp = `${outFile}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  await copyFile(nodeBinary, tmp);
  await chmod(tmp, 0o755);
  try {
    await inject(tmp, 'NODE_SEA_BLOB', blob, { sentinelFuse: SENTINEL_FUSE });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return tmp;
}
