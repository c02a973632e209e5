import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { HostFs } from '../src/collectors/proc-source.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, 'utf8');
}

/**
 * A HostFs over a mutable map, for sources whose content must change between
 * rounds (counters). Directories are derived from the file paths.
 */
export function memoryFs(files: Record<string, string>, mtimes: Record<string, number> = {}): HostFs & { files: Record<string, string> } {
  const missing = (p: string): Error => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return {
    files,
    readText: async (p) => {
      if (!(p in files)) throw missing(p);
      return files[p] as string;
    },
    readBytes: async (p) => {
      if (!(p in files)) throw missing(p);
      return Buffer.from(files[p] as string);
    },
    readDir: async (p) => {
      const prefix = `${p}/`;
      const names = new Set(Object.keys({ ...files, ...mtimes }).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] as string));
      if (names.size === 0) throw missing(p);
      return [...names];
    },
    mtimeMs: async (p) => {
      const t = mtimes[p];
      if (t === undefined) throw missing(p);
      return t;
    },
    statfs: async () => ({ bsize: 4096, blocks: 1000, bfree: 400, bavail: 300 }),
  };
}
