import { readdir, readFile, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The filesystem seam collectors read through. Tests point `root` at captured
 * `/proc` and `/sys` trees under fixtures; production reads the real ones.
 * Paths are relative to the root (`proc/stat`, not `/proc/stat`).
 */
export interface HostFs {
  readText(path: string): Promise<string>;
  /** Raw bytes, for rotated logs that are gzipped. */
  readBytes(path: string): Promise<Buffer>;
  /** Entry names of a directory. */
  readDir(path: string): Promise<string[]>;
  /** Modification time in ms; rejects when the path does not exist. */
  mtimeMs(path: string): Promise<number>;
  statfs(path: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>;
}

export function createHostFs(root = '/'): HostFs {
  return {
    readText: (path) => readFile(join(root, path), 'utf8'),
    readBytes: (path) => readFile(join(root, path)),
    readDir: (path) => readdir(join(root, path)),
    mtimeMs: async (path) => (await stat(join(root, path))).mtimeMs,
    statfs: async (path) => {
      const s = await statfs(join(root, path));
      return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail };
    },
  };
}

/** Reads a file, or undefined when it is missing or unreadable: optional sources are not fatal. */
export async function readOptional(fs: HostFs, path: string): Promise<string | undefined> {
  try {
    return await fs.readText(path);
  } catch {
    return undefined;
  }
}

/** Modification time, or undefined when the path is missing. */
export async function mtimeOptional(fs: HostFs, path: string): Promise<number | undefined> {
  try {
    return await fs.mtimeMs(path);
  } catch {
    return undefined;
  }
}
