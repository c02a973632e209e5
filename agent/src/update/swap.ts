import { copyFile, link, rename, rm, stat } from 'node:fs/promises';

export function prevPath(exe: string): string {
  return `${exe}.prev`;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Puts `next` in place of the running executable, keeping the old one as
 * `.prev` for rollback. On POSIX the final rename is atomic: at every instant
 * the path holds a complete executable. Windows cannot replace a running .exe
 * but can rename it, so there the old one is moved aside first.
 */
export async function swapIn(exe: string, next: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const prev = prevPath(exe);
  await rm(prev, { force: true });
  if (platform === 'win32') {
    await rename(exe, prev);
    try {
      await rename(next, exe);
    } catch (err) {
      await rename(prev, exe);
      throw err;
    }
    return;
  }
  // A hard link keeps the old inode as .prev for free; copy where links are not allowed.
  await link(exe, prev).catch(() => copyFile(exe, prev));
  await rename(next, exe);
}

/** Puts `.prev` back. Throws when there is none (nothing to roll back to). */
export async function rollBack(exe: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const prev = prevPath(exe);
  if (!(await exists(prev))) throw new Error(`no previous executable at ${prev}`);
  if (platform === 'win32') {
    const bad = `${exe}.bad`;
    await rm(bad, { force: true }).catch(() => undefined);
    await rename(exe, bad);
    await rename(prev, exe);
    return;
  }
  await rename(prev, exe);
}

/** After a confirmed update: the old executable is no longer needed. */
export async function dropPrevious(exe: string): Promise<void> {
  await rm(prevPath(exe), { force: true });
  await rm(`${exe}.bad`, { force: true }).catch(() => undefined);
}
