import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PatchReport } from './types.js';

const CACHE_VERSION = 1;

/** The last slow check survives restarts, so a restarted agent does not re-run WUA or apt. */
export async function readPatchCache(path: string): Promise<PatchReport | undefined> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown; report?: PatchReport };
    const r = o.report;
    if (o.version !== CACHE_VERSION || !r || typeof r.checkedAt !== 'number' || typeof r.source !== 'string' || typeof r.status !== 'string') return undefined;
    return r;
  } catch {
    return undefined; // missing or corrupt (power loss mid-write on an old fs): run the check again
  }
}

/** Atomic replace: a crash leaves either the old cache or the new one. */
export async function writePatchCache(path: string, report: PatchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, report }), { mode: 0o640 });
  await rename(tmp, path);
}
