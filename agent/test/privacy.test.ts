import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@hallmonitor/shared';
import { collectOnce, type OneRound } from '../src/cli/collect-once.js';
import { realHostSkipReason } from './real-host.js';

/*
 * A real round taken while a real user is logged in (utmp entry via login(1)
 * under script(1)), running a process whose command line carries a URL, with a
 * file in their home. None of it may appear in what the agent sends.
 */
const skip = realHostSkipReason(['useradd', 'userdel', 'login', 'script', 'who']);
const tag = randomBytes(4).toString('hex');
const USER = `hmpriv${tag}`;
const HOME = `/home/${USER}`;
const SECRET_URL = `https://example.invalid/private-${tag}`;
const SECRET_FILE = `homework-${tag}.docx`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Pids of this throw-away user's processes (all started by this test). */
async function userPids(uid: number): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const status = await readFile(`/proc/${d}/status`, 'utf8').catch(() => '');
    if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status)) out.push(Number(d));
  }
  return out;
}

async function anyCmdlineContains(text: string): Promise<boolean> {
  for (const d of await readdir('/proc')) {
    if (/^\d+$/.test(d) && (await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '')).includes(text)) return true;
  }
  return false;
}

/** Backticked names in PRIVACY.md. */
async function documentedNames(): Promise<Set<string>> {
  const doc = await readFile(new URL('../PRIVACY.md', import.meta.url), 'utf8');
  return new Set([...doc.matchAll(/`([A-Za-z0-9_]+)`/g)].map((m) => m[1] as string));
}

describe.skipIf(skip !== undefined)(`privacy of a real round${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let session: ChildProcess | undefined;
  let uid = -1;
  let createdUtmp = false;
  let dataDir: string;
  let round: OneRound;
  let json: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(os.tmpdir(), 'hm-privacy-'));
    execFileSync('useradd', ['-m', '-s', '/bin/sh', USER]);
    uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    await writeFile(join(HOME, SECRET_FILE), 'my essay');
    // login(1) records sessions only in an existing utmp file; minimal systems have none.
    if (!existsSync('/run/utmp')) {
      await writeFile('/run/utmp', '');
      createdUtmp = true;
    }
    // The login shell reads its command from script's pty; the trailing sleep keeps stdin open.
    const shellLine = `sh -c 'sleep 90; :' ${SECRET_URL} ${HOME}/${SECRET_FILE}`;
    session = spawn('sh', ['-c', `(echo "${shellLine}"; sleep 90) | script -qfc 'login -f ${USER}' /dev/null`], { detached: true, stdio: 'ignore' });
    await waitFor('the user to appear in who', async () => execFileSync('who', { encoding: 'utf8' }).includes(USER));
    await waitFor('the secret command line', () => anyCmdlineContains(SECRET_URL));
    round = await collectOnce({ dataDir });
    json = JSON.stringify(round);
  }, 120_000);

  afterAll(async () => {
    if (session?.pid) {
      try {
        process.kill(-session.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // login(1) starts a new session, so the user's shell is not in our group: end it by uid.
    if (uid > 0) for (const pid of await userPids(uid)) process.kill(pid, 'SIGKILL');
    await sleep(200);
    try {
      execFileSync('userdel', ['-r', '-f', USER], { stdio: 'ignore' });
    } catch {
      // userdel -r complains about a missing mail spool; the user is gone all the same
    }
    if (createdUtmp) await rm('/run/utmp', { force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('is a complete round: host, disk, network and patch facts', () => {
    const names = new Set(round.samples.map((s) => s.name));
    for (const m of [
      METRICS.cpuUsagePercent, METRICS.load1, METRICS.memoryUsedPercent, METRICS.memoryAvailableBytes, METRICS.swapUsedPercent, METRICS.uptimeSeconds,
      METRICS.diskUsedPercent, METRICS.diskFreeBytes, METRICS.diskTotalBytes, METRICS.networkReceiveBytesPerSecond, METRICS.networkTransmitBytesPerSecond,
      METRICS.patchPendingUpdates, METRICS.patchPendingSecurityUpdates, METRICS.patchRebootRequired, METRICS.patchLastInstallTimestampSeconds,
    ]) {
      expect(names, m).toContain(m);
    }
    expect(round.facts).toMatchObject({ patchSource: 'apt', patchStatus: 'ok' });
    expect(round.facts.hostname).toBe(os.hostname());
  });

  it('contains no user name, home path, command line, URL or file name', () => {
    expect(json).not.toContain(USER);
    expect(json).not.toContain(HOME);
    expect(json).not.toContain(tag);
    expect(json).not.toContain('example.invalid');
    expect(json).not.toContain('homework');
    expect(json).not.toContain('sleep 90');
    expect(json).not.toMatch(/https?:\/\//);
    expect(json).not.toMatch(/\/home\//);
    expect(json).not.toContain(os.userInfo().username === 'root' ? '"root"' : os.userInfo().username);
  });

  it('sends only fields listed in PRIVACY.md', async () => {
    const documented = await documentedNames();
    for (const key of Object.keys(round.facts)) expect(documented, `fact ${key}`).toContain(key);
    for (const s of round.samples) {
      expect(documented, `metric ${s.name}`).toContain(s.name);
      for (const label of Object.keys(s.labels)) expect(documented, `label ${label}`).toContain(label);
    }
  });
});
