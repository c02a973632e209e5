import { createRequire } from 'node:module';

/**
 * True inside a Node single-executable application (our released agent).
 * Self-update replaces the executable, which only makes sense for that build:
 * an agent run from a checkout with `node` is updated with git, not by us.
 */
export function isSeaExecutable(): boolean {
  try {
    // node:sea exists from Node 20.12; through createRequire so the ESM build and the CJS bundle both work.
    const sea = createRequire(process.execPath)('node:sea') as { isSea?: () => boolean };
    return sea.isSea?.() === true;
  } catch {
    return false;
  }
}
