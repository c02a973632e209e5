import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCommand } from '../support/processes.js';

/*
 * What the single-file agent holds in memory starts with its script: Node 20's
 * SEA keeps it as a V8 string, two bytes per character unless it is pure ASCII,
 * and the Linux build leaves out what only Windows and macOS load (agent
 * README, Footprint). Bundled the way scripts/build-agent does it (agent/dist
 * must be built).
 */
describe('agent bundle for the single executables', () => {
  const work = mkdtempSync(join(os.tmpdir(), 'hm-bundle-'));
  const out = { linux: join(work, 'linux.cjs'), win32: join(work, 'win32.cjs') };

  beforeAll(async () => {
    const bundle = pathToFileURL(join(REPO_ROOT, 'scripts', 'build-agent', 'bundle.mjs')).href;
    const script = `import { bundleAgent } from ${JSON.stringify(bundle)};
for (const [os, outfile] of Object.entries(${JSON.stringify(out)})) await bundleAgent({ outfile, version: '1.2.3', os });`;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    if (r.code !== 0) throw new Error(`bundle failed:\n${r.stderr}`);
  }, 60_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is pure ASCII, regular expressions included', () => {
    for (const f of Object.values(out)) expect(/[\u0080-\uffff]/.exec(readFileSync(f, 'latin1'))).toBeNull();
  });

  it('leaves systeminformation out of the Linux build only, and the Linux build still runs a round', async () => {
    const linux = readFileSync(out.linux, 'utf8');
    const win32 = readFileSync(out.win32, 'utf8');
    expect(linux).toContain('systeminformation is not in the Linux build');
    expect(win32).not.toContain('systeminformation is not in the Linux build');
    expect(win32.length - linux.length).toBeGreaterThan(200_000);
    const r = await runCommand(process.execPath, [out.linux, 'collect', '--once', '--json', '--data-dir', join(work, 'data')]);
    expect(r.code, r.stderr).toBe(0);
    const round = JSON.parse(r.stdout) as { facts: Record<string, unknown>; samples: Array<{ name: string }> };
    expect(round.facts.bootTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(round.samples.map((s) => s.name)).toEqual(expect.arrayContaining(['cpu_usage_percent', 'memory_available_bytes', 'disk_used_percent']));
  });
});
