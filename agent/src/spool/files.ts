import { closeSync, fsyncSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import type { ByteSource } from './record.js';

/** A ByteSource over an open file descriptor, valid up to `size`. */
export function fdSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(position: number, length: number): Buffer {
      const n = Math.max(0, Math.min(length, size - position));
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, position + got);
        if (r === 0) break;
        got += r;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
  };
}

/**
 * fsync of a directory makes a file's creation, rename or removal durable.
 * Windows cannot open directories for this; there NTFS journals metadata anyway.
 */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort, see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `path` atomically and durably: write a temp file, fsync it, rename, fsync the directory. */
export function writeFileAtomic(dir: string, path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}
