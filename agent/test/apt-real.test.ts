import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@hallmonitor/shared';
import { collectOnce } from '../src/cli/collect-once.js';
import { createPatchCollector } from '../src/collectors/patch.js';
import { createHostFs } from '../src/collectors/proc-source.js';
import { realExec } from '../src/exec.js';
import { PatchRunner } from '../src/patch/runner.js';
import { PATCH_SOURCES } from '../src/patch/sources.js';
import { realHostSkipReason, runRetrying } from './real-host.js';

/*
 * The apt path for real, on this Debian machine: a throw-away package is
 * installed at 1.0, a local file: repository (labelled as a security pocket)
 * offers 2.0, and the agent must count it. Everything is undone afterwards.
 */
const skip = realHostSkipReason(['apt-get', 'dpkg-deb', 'dpkg']);
const PKG = `hallmonitor-test-${randomBytes(3).toString('hex')}`;

async function buildDeb(dir: string, version: string): Promise<string> {
  const root = join(dir, `${PKG}-${version}`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await writeFile(
    join(root, 'DEBIAN', 'control'),
    `Package: ${PKG}\nVersion: ${version}\nArchitecture: all\nMaintainer: Hallmonitor tests <tests@invalid>\nSection: misc\nPriority: optional\nDescription: throw-away package for the Hallmonitor apt test\n`,
  );
  const deb = join(dir, `${PKG}_${version}_all.deb`);
  runRetrying('dpkg-deb', ['--build', '--root-owner-group', root, deb]);
  return deb;
}

/** A flat repository: Packages written by hand (no dpkg-dev needed), Release labelled Debian-Security. */
async function buildRepo(repo: string, deb: string): Promise<void> {
  const control = runRetrying('dpkg-deb', ['-f', deb]).trimEnd();
  const bytes = await readFile(deb);
  const name = deb.split('/').pop() as string;
  await writeFile(join(repo, name), bytes);
  const packages = `${control}\nFilename: ./${name}\nSize: ${bytes.length}\nSHA256: ${sha256(bytes)}\n\n`;
  await writeFile(join(repo, 'Packages'), packages);
  await writeFile(
    join(repo, 'Release'),
    `Origin: Hallmonitor\nLabel: Debian-Security\nSuite: hallmonitor-security\nCodename: hallmonitor-security\nArchitectures: all\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha256(packages)} ${Buffer.byteLength(packages)} Packages\n`,
  );
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function metric(samples: ReadonlyArray<{ name: string; value: number | string }>, name: string): number | undefined {
  const v = samples.find((s) => s.name === name)?.value;
  return typeof v === 'number' ? v : undefined;
}

describe.skipIf(skip !== undefined)(`apt patch level on this machine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let work: string;
  let repo: string;
  const listFile = `/etc/apt/sources.list.d/${PKG}.list`;
  let rebootFlag: string | undefined;
  const started = Date.now();

  beforeAll(async () => {
    work = await mkdtemp(join(os.tmpdir(), 'hm-apt-'));
    // apt fetches file: sources as the unprivileged _apt user.
    await chmod(work, 0o755);
    repo = join(work, 'repo');
    await mkdir(repo, { mode: 0o755 });
    const v1 = await buildDeb(work, '1.0');
    await buildRepo(repo, await buildDeb(work, '2.0'));
    runRetrying('dpkg', ['-i', v1]);
    // A real pending reboot flag is put back afterwards.
    rebootFlag = existsSync('/run/reboot-required') ? await readFile('/run/reboot-required', 'utf8') : undefined;
  }, 120_000);

  afterAll(async () => {
    await rm(listFile, { force: true });
    // Drop this repository's index from apt's lists; List-Cleanup=0 kept everything else.
    const mangled = repo ? repo.replace(/^\//, '').replace(/\//g, '_') : undefined;
    for (const f of mangled ? await readdir('/var/lib/apt/lists').catch(() => []) : []) {
      if (f.includes(mangled as string)) await rm(join('/var/lib/apt/lists', f), { force: true });
    }
    try {
      runRetrying('dpkg', ['--purge', PKG]);
    } catch {
      // not installed (setup failed early)
    }
    if (rebootFlag === undefined) await rm('/run/reboot-required', { force: true });
    else await writeFile('/run/reboot-required', rebootFlag);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('counts a newly upgradable package as a pending security update, and sees its install', async () => {
    const before = await collectOnce({ dataDir: join(work, 'before'), settleMs: 0 });
    const pending0 = metric(before.samples, METRICS.patchPendingUpdates);
    const security0 = metric(before.samples, METRICS.patchPendingSecurityUpdates);
    expect(pending0).toBeTypeOf('number');
    expect(before.facts).toMatchObject({ patchSource: 'apt', patchStatus: 'ok' });
    // dpkg -i in beforeAll is an install: the last-install time moved to now.
    expect(metric(before.samples, METRICS.patchLastInstallTimestampSeconds)).toBeGreaterThanOrEqual(Math.floor(started / 1000) - 2);

    await writeFile(listFile, `deb [trusted=yes] file:${repo} ./\n`);
    // Refresh only this source; the agent itself never runs apt-get update.
    runRetrying('apt-get', ['update', '-q', '-o', `Dir::Etc::sourcelist=${listFile}`, '-o', 'Dir::Etc::sourceparts=-', '-o', 'APT::Get::List-Cleanup=0']);

    const after = await collectOnce({ dataDir: join(work, 'after'), settleMs: 0 });
    expect(metric(after.samples, METRICS.patchPendingUpdates)).toBe((pending0 as number) + 1);
    expect(metric(after.samples, METRICS.patchPendingSecurityUpdates)).toBe((security0 as number) + 1);
    // The real simulation names it (the agent sends only the count).
    const sim = await realExec('apt-get', ['-s', '-o', 'Debug::NoLocking=true', 'dist-upgrade'], { timeoutMs: 120_000, env: { ...process.env, LC_ALL: 'C' } });
    expect(sim.stdout).toMatch(new RegExp(`^Inst ${PKG} \\[1\\.0\\] \\(2\\.0 Debian-Security:hallmonitor-security \\[all\\]\\)`, 'm'));
    expect(JSON.stringify(after)).not.toContain(PKG);
  }, 180_000);

  it('a /run/reboot-required file flips patch_reboot_required without a new slow check', async () => {
    const runner = new PatchRunner({ sources: PATCH_SOURCES, dataDir: join(work, 'reboot'), exec: realExec });
    await runner.ensureFresh();
    const checkedAt = runner.latest()?.checkedAt;
    const collector = createPatchCollector({ fs: createHostFs('/'), exec: realExec, platform: 'linux', patchRunner: runner });
    const round = async (): Promise<{ value?: number; sources: unknown }> => {
      const r = await collector.collect({ now: Date.now(), signal: new AbortController().signal });
      return { value: r.samples.find((s) => s.name === METRICS.patchRebootRequired)?.value, sources: (r.facts as Record<string, unknown>).rebootRequiredSources };
    };
    await rm('/run/reboot-required', { force: true });
    const off = await round();
    expect(String(off.sources ?? '')).not.toContain('reboot-required');
    if (off.sources === '') expect(off.value).toBe(0);

    await writeFile('/run/reboot-required', '*** System restart required ***\n');
    const on = await round();
    expect(on.value).toBe(1);
    expect(on.sources).toContain('reboot-required');
    expect(runner.latest()?.checkedAt).toBe(checkedAt); // read from a file, not by re-running apt
    expect((await stat('/run/reboot-required')).isFile()).toBe(true);
    await runner.stop();
  }, 120_000);
});
