import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '@hallmonitor/shared';
import { NotApplicableError } from '../src/collectors/collector.js';
import { createPatchCollector } from '../src/collectors/patch.js';
import { CommandNotFoundError, realExec, type Exec, type ExecResult } from '../src/exec.js';
import { PatchRunner } from '../src/patch/runner.js';
import { PATCH_SOURCES } from '../src/patch/sources.js';
import type { PatchSource } from '../src/patch/types.js';
import { fixture, memoryFs } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'hm-patch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok = (stdout: string, code = 0): ExecResult => ({ code, stdout, stderr: '' });
const ctx = (now: number): { now: number; signal: AbortSignal } => ({ now, signal: new AbortController().signal });

/** Answers commands from captured output; anything else "is not installed". */
function scriptedExec(answers: Record<string, ExecResult>, calls: string[] = []): Exec {
  return async (cmd, args) => {
    const key = [cmd, ...args].join(' ');
    calls.push(key);
    for (const [prefix, res] of Object.entries(answers)) if (key.startsWith(prefix)) return res;
    throw new CommandNotFoundError(cmd);
  };
}

/** True once the pid no longer runs (gone, or a zombie waiting for init to reap it). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat === '' || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function countingSource(findings = { pending: 4, security: 1 }): PatchSource & { calls: number } {
  const s = {
    name: 'apt' as const,
    calls: 0,
    async check() {
      s.calls++;
      await new Promise((r) => setTimeout(r, 20));
      return findings;
    },
  };
  return s;
}

describe('PatchRunner', () => {
  it('caches on disk so a restarted agent does not re-run the check, and re-runs once stale', async () => {
    let now = 1_000_000;
    const src = countingSource();
    const first = new PatchRunner({ sources: [src], dataDir: dir, clock: () => now, intervalMs: 3600_000 });
    expect((await first.ensureFresh()).pending).toBe(4);
    await first.stop();
    const onDisk = JSON.parse(await readFile(join(dir, 'patch-cache.json'), 'utf8'));
    expect(onDisk.report).toMatchObject({ source: 'apt', status: 'ok', pending: 4, checkedAt: 1_000_000 });

    const restarted = new PatchRunner({ sources: [src], dataDir: dir, clock: () => now, intervalMs: 3600_000 });
    await restarted.ensureFresh();
    expect(src.calls).toBe(1);
    now += 3600_001;
    await restarted.ensureFresh();
    expect(src.calls).toBe(2);
    await restarted.stop();
  });

  it('runs one check at a time: concurrent requests share it', async () => {
    const src = countingSource();
    const r = new PatchRunner({ sources: [src], dataDir: dir });
    const [a, b] = await Promise.all([r.runNow(), r.runNow()]);
    expect(a).toBe(b);
    expect(src.calls).toBe(1);
    await r.stop();
  });

  it('ignores a corrupt cache file', async () => {
    await writeFile(join(dir, 'patch-cache.json'), '{"version":1,"report":');
    const src = countingSource();
    const r = new PatchRunner({ sources: [src], dataDir: dir });
    expect((await r.ensureFresh()).status).toBe('ok');
    expect(src.calls).toBe(1);
  });

  it('kills the whole process tree at the hard timeout', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const hanging: PatchSource = {
      name: 'apt',
      async check(c) {
        await c.exec('sh', ['-c', `sleep 300 & echo $! > '${pidFile}'; wait`], { timeoutMs: c.timeoutMs, signal: c.signal });
        return {};
      },
    };
    const r = new PatchRunner({ sources: [hanging], dataDir: dir, exec: realExec, timeoutMs: 500 });
    const started = Date.now();
    const report = await r.runNow();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.status).toBe('error');
    expect(report.error).toMatch(/killed after 500 ms/);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(1);
    expect(await goneWithin(grandchild, 2000)).toBe(true); // the grandchild died with its process group

  });

  it('reports "not applicable" when no package tool exists, without an error storm', async () => {
    const calls: string[] = [];
    const r = new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec: scriptedExec({}, calls), platform: 'linux' });
    const report = await r.runNow();
    expect(report).toMatchObject({ source: 'none', status: 'not_applicable' });
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['apt-get', 'dnf', 'zypper']);
    const c = createPatchCollector({ fs: memoryFs({}), exec: scriptedExec({}), platform: 'linux', patchRunner: r });
    await expect(c.collect(ctx(1))).rejects.toBeInstanceOf(NotApplicableError);
  });

  it('a failed check is the patch collector\'s failure, and retried sooner', async () => {
    let now = 5_000_000;
    const broken: PatchSource = { name: 'apt', check: async () => { throw new Error('apt-get -s dist-upgrade exited with 100'); } };
    const r = new PatchRunner({ sources: [broken], dataDir: dir, clock: () => now, retryMs: 60_000, intervalMs: 3600_000 });
    expect((await r.ensureFresh()).status).toBe('error');
    const c = createPatchCollector({ fs: memoryFs({}), exec: scriptedExec({}), platform: 'linux', patchRunner: r });
    await expect(c.collect(ctx(1))).rejects.toThrow(/exited with 100/);
    now += 60_001;
    const again = await r.ensureFresh();
    expect(again.checkedAt).toBe(now);
  });
});

describe('patch sources through the exec seam', () => {
  it('dnf: counts, security advisories, needs-restarting and last install', async () => {
    const exec = scriptedExec({
      'dnf -q --cacheonly check-update': ok(fixture('dnf/check-update-rocky9.txt'), 100),
      'dnf -q --cacheonly updateinfo': ok(fixture('dnf/updateinfo-security-rocky9.txt')),
      'dnf -q --cacheonly needs-restarting': ok(fixture('dnf/needs-restarting-yes.txt'), 1),
      'rpm -qa': ok(fixture('dnf/rpm-installtime.txt')),
    });
    const report = await new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, platform: 'linux' }).runNow();
    expect(report).toMatchObject({ source: 'dnf', status: 'ok', pending: 6, security: 5, rebootRequired: true, rebootSources: ['needs-restarting'], lastInstallAt: 1711111111000 });
  });

  it('dnf: exit 1 (no cached metadata) is an error, not zero updates', async () => {
    const exec = scriptedExec({ 'dnf -q --cacheonly check-update': { code: 1, stdout: '', stderr: 'Error: Cache-only enabled but no cache for "baseos"' } });
    const report = await new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, platform: 'linux' }).runNow();
    expect(report).toMatchObject({ source: 'dnf', status: 'error', error: 'dnf check-update exited with 1' });
  });

  it('zypper: packages from list-updates, security from patch-check, reboot from needs-rebooting', async () => {
    const exec = scriptedExec({
      'zypper --non-interactive --no-refresh patch-check': ok(fixture('zypper/patch-check-sles15.txt'), 101),
      'zypper --non-interactive --no-refresh --xmlout list-updates': ok(fixture('zypper/list-updates-sles15.xml')),
      'zypper --non-interactive needs-rebooting': ok('', 102),
      'rpm -qa': ok(fixture('dnf/rpm-installtime.txt')),
    });
    const report = await new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, platform: 'linux' }).runNow();
    expect(report).toMatchObject({ source: 'zypper', pending: 3, security: 12, rebootRequired: true, extra: { patchPendingPatches: 43 } });
  });

  it('Windows: runs the script file with PowerShell and parses its JSON', async () => {
    const calls: string[] = [];
    const exec = scriptedExec({ 'powershell.exe': ok(fixture('windows/wua-pending.json')) }, calls);
    const report = await new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, platform: 'win32' }).runNow();
    expect(report).toMatchObject({ source: 'windows-update', pending: 3, security: 2 });
    expect(calls).toEqual([`powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ${join(dir, 'windows-update.ps1')}`]);
    expect(await readFile(join(dir, 'windows-update.ps1'), 'utf8')).toContain('$searcher.Online = $false');
  });

  it('macOS: plist facts', async () => {
    const exec = scriptedExec({ 'defaults read': ok(fixture('macos/softwareupdate-defaults.txt')), 'plutil -convert': ok(fixture('macos/install-history.json')) });
    const report = await new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, platform: 'darwin' }).runNow();
    expect(report).toMatchObject({ source: 'macos', pending: 2, security: 1, lastSearchAt: Date.parse('2023-11-20T09:14:31Z') });
  });
});

describe('patch collector rounds', () => {
  it('reads the cache plus file-only state each round: no child process, reboot flag flips', async () => {
    const calls: string[] = [];
    const exec = scriptedExec({ 'apt-get': ok(fixture('apt/dist-upgrade-jammy.txt')) }, calls);
    const listsAt = Date.parse('2026-11-20T06:00:00Z');
    const fs = memoryFs({}, { 'var/lib/apt/lists': listsAt });
    const runner = new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, fs, platform: 'linux', kernelRelease: '6.1.0-9-amd64' });
    await runner.ensureFresh();
    const c = createPatchCollector({ fs, exec, platform: 'linux', patchRunner: runner });
    const now = Date.parse('2026-11-23T06:00:00Z');
    const get = async (): Promise<Map<string, number>> => new Map((await c.collect(ctx(now))).samples.map((s) => [s.name, s.value]));
    let m = await get();
    expect(m.get(METRICS.patchPendingUpdates)).toBe(7);
    expect(m.get(METRICS.patchPendingSecurityUpdates)).toBe(5);
    expect(m.get(METRICS.patchRebootRequired)).toBe(0);
    expect(m.get(METRICS.patchLastCheckTimestampSeconds)).toBe(listsAt / 1000);
    expect(m.get(METRICS.patchListAgeSeconds)).toBe(3 * 86400);

    (fs as unknown as { mtimeMs: (p: string) => Promise<number> }).mtimeMs = async (p) => {
      if (p === 'run/reboot-required' || p === 'var/lib/apt/lists') return listsAt;
      throw new Error('ENOENT');
    };
    m = await get();
    expect(m.get(METRICS.patchRebootRequired)).toBe(1);
    const facts = (await c.collect(ctx(now))).facts as Record<string, unknown>;
    expect(facts).toMatchObject({ patchSource: 'apt', patchStatus: 'ok', rebootRequired: true, rebootRequiredSources: 'reboot-required' });
    expect(calls.filter((x) => x.startsWith('apt-get'))).toHaveLength(1);
    await runner.stop();
  });

  it('a newer kernel in /boot means a reboot is required', async () => {
    const exec = scriptedExec({ 'apt-get': ok(fixture('apt/dist-upgrade-none.txt')) });
    const fs = memoryFs({ 'boot/vmlinuz-6.1.0-9-amd64': '', 'boot/vmlinuz-6.1.0-18-amd64': '' });
    const runner = new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, fs, platform: 'linux', kernelRelease: '6.1.0-9-amd64' });
    await runner.ensureFresh();
    const r = await createPatchCollector({ fs, exec, platform: 'linux', patchRunner: runner }).collect(ctx(Date.now()));
    expect(r.samples.find((s) => s.name === METRICS.patchRebootRequired)?.value).toBe(1);
    expect((r.facts as Record<string, unknown>).rebootRequiredSources).toBe('kernel');
  });

  it('brings the next check forward when the package database changed after the last one', async () => {
    const calls: string[] = [];
    const exec = scriptedExec({ 'apt-get': ok(fixture('apt/dist-upgrade-none.txt')) }, calls);
    const fs = memoryFs({}, { 'var/lib/dpkg/status': 0 });
    const runner = new PatchRunner({ sources: PATCH_SOURCES, dataDir: dir, exec, fs, platform: 'linux', settleMs: 20, intervalMs: 3600_000 });
    await runner.ensureFresh();
    const c = createPatchCollector({ fs, exec, platform: 'linux', patchRunner: runner });
    await c.collect(ctx(Date.now()));
    expect(calls).toHaveLength(1);
    (fs as unknown as { mtimeMs: (p: string) => Promise<number> }).mtimeMs = async (p) => {
      if (p === 'var/lib/dpkg/status') return Date.now() + 1000; // someone just ran apt upgrade
      throw new Error('ENOENT');
    };
    await c.collect(ctx(Date.now()));
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toHaveLength(2);
    await runner.stop();
  });
});
