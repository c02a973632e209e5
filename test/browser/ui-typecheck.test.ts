import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, runCommand } from '../support/processes.js';

// The dashboard's browser code has its own tsconfig (DOM library), outside the
// server's `tsc -b`; esbuild only strips types, so it is checked here.
it('the dashboard code type-checks (collector/ui/tsconfig.json)', async () => {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runCommand(process.execPath, [tsc, '-p', join(REPO_ROOT, 'collector', 'ui', 'tsconfig.json')]);
  expect(r.stdout + r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 60_000);
