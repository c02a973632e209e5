import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { isSecurityRelease, parseAptSimulation } from '../src/patch/apt-parse.js';
import { lastInstallFromDpkgLog, lastInstallFromHistory, rotatedLogs } from '../src/patch/apt-logs.js';
import { lastRpmInstall, parseDnfCheckUpdate, parseDnfSecurityList, parseNeedsRestarting } from '../src/patch/rpm-parse.js';
import { parseZypperListUpdatesXml, parseZypperPatchCheck } from '../src/patch/zypper-parse.js';
import { parseWindowsUpdateJson } from '../src/patch/windows-update-parse.js';
import { lastSoftwareUpdateInstall, parsePlistDate, parseSoftwareUpdateDefaults } from '../src/patch/macos-parse.js';
import { compareKernel, newestKernel } from '../src/patch/kernel.js';
import { FIXTURES, fixture } from './helpers.js';

const local = (y: number, mo: number, d: number, h: number, mi: number, s: number): number => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('apt', () => {
  it('counts upgrades and security upgrades in a real Debian 12 simulation', () => {
    const u = parseAptSimulation(fixture('apt/dist-upgrade-bookworm.txt'));
    expect(u).toHaveLength(136);
    expect(u.filter((x) => x.security)).toHaveLength(81);
    expect(u.find((x) => x.name === 'libssl3')?.security).toBe(true); // only in Debian-Security
    expect(u.find((x) => x.name === 'bash')?.security).toBe(false);
  });

  it('counts Ubuntu -security pockets and leaves new dependency installs out', () => {
    const u = parseAptSimulation(fixture('apt/dist-upgrade-jammy.txt'));
    expect(u.map((x) => x.name).sort()).toEqual(['libssl3', 'linux-generic', 'linux-headers-generic', 'linux-image-generic', 'openssl', 'snapd', 'tzdata']);
    expect(u.filter((x) => x.security).map((x) => x.name).sort()).toEqual(['libssl3', 'linux-generic', 'linux-headers-generic', 'linux-image-generic', 'openssl']);
    expect(parseAptSimulation(fixture('apt/dist-upgrade-none.txt'))).toEqual([]);
  });

  it('recognises security releases as apt prints them', () => {
    expect(isSecurityRelease('Debian-Security:12/stable-security')).toBe(true);
    expect(isSecurityRelease('Ubuntu:22.04/jammy-security')).toBe(true);
    expect(isSecurityRelease('Debian:12.15/oldstable')).toBe(false);
    expect(isSecurityRelease('Ubuntu:22.04/jammy-updates')).toBe(false);
    expect(isSecurityRelease('localhost')).toBe(false);
  });

  it('finds the last install in history.log (current and rotated) and dpkg.log, in local time', () => {
    expect(lastInstallFromHistory(fixture('apt/history.log'))).toBe(local(2026, 11, 23, 4, 25, 5));
    const rotated = gunzipSync(readFileSync(`${FIXTURES}apt/history.log.1.gz`)).toString('utf8');
    expect(lastInstallFromHistory(rotated)).toBe(local(2025, 6, 24, 14, 37, 4));
    expect(lastInstallFromHistory('Start-Date: 2026-01-01  10:00:00\nRemove: foo:amd64 (1.0)\nEnd-Date: 2026-01-01  10:00:05\n')).toBeUndefined();
    expect(lastInstallFromDpkgLog(fixture('apt/dpkg.log'))).toBe(local(2026, 11, 23, 4, 32, 20));
    expect(lastInstallFromDpkgLog('2026-01-01 10:00:00 status installed man-db:amd64 2.11\n')).toBeUndefined();
  });

  it('orders rotated logs newest first', () => {
    expect(rotatedLogs(['history.log.2.gz', 'eipp.log.xz', 'history.log', 'history.log.10.gz', 'history.log.1.gz'], 'history.log')).toEqual([
      'history.log',
      'history.log.1.gz',
      'history.log.2.gz',
      'history.log.10.gz',
    ]);
  });

  it('compares kernel releases numerically', () => {
    expect(compareKernel('6.1.0-18-amd64', '6.1.0-9-amd64')).toBeGreaterThan(0);
    expect(newestKernel(['6.1.0-9-amd64', '6.1.0-18-amd64', '6.1.0-13-amd64'])).toBe('6.1.0-18-amd64');
  });
});

describe('dnf and rpm', () => {
  it('counts check-update lines, ignoring the obsoletes section', () => {
    expect(parseDnfCheckUpdate(fixture('dnf/check-update-rocky9.txt'))).toBe(6);
  });

  it('counts distinct packages with security advisories (dnf4 and dnf5 layouts)', () => {
    expect(parseDnfSecurityList(fixture('dnf/updateinfo-security-rocky9.txt'))).toBe(5);
    expect(parseDnfSecurityList(fixture('dnf/updateinfo-security-fedora41-dnf5.txt'))).toBe(2);
  });

  it('reads needs-restarting by its words, not a missing plugin exit code', () => {
    expect(parseNeedsRestarting(fixture('dnf/needs-restarting-yes.txt'))).toBe(true);
    expect(parseNeedsRestarting(fixture('dnf/needs-restarting-no.txt'))).toBe(false);
    expect(parseNeedsRestarting(fixture('dnf/needs-restarting-missing-plugin.txt'))).toBeUndefined();
  });

  it('takes the newest rpm install time', () => {
    expect(lastRpmInstall(fixture('dnf/rpm-installtime.txt'))).toBe(1711111111 * 1000);
    expect(lastRpmInstall('')).toBeUndefined();
  });
});

describe('zypper', () => {
  it('reads patch-check totals', () => {
    expect(parseZypperPatchCheck(fixture('zypper/patch-check-sles15.txt'))).toEqual({ patches: 43, security: 12 });
    expect(parseZypperPatchCheck(fixture('zypper/patch-check-none.txt'))).toEqual({ patches: 0, security: 0 });
    expect(parseZypperPatchCheck('Repository "x" is out-of-date.\n')).toBeUndefined();
  });

  it('counts package updates in list-updates XML', () => {
    expect(parseZypperListUpdatesXml(fixture('zypper/list-updates-sles15.xml'))).toBe(3);
    expect(parseZypperListUpdatesXml('not xml')).toBeUndefined();
  });
});

describe('Windows Update script output', () => {
  it('classifies by GUID and keeps definition updates out of pending', () => {
    const f = parseWindowsUpdateJson(fixture('windows/wua-pending.json'));
    expect(f.pending).toBe(3);
    expect(f.security).toBe(2);
    expect(f.extra).toEqual({ patchDefinitionUpdates: 1 });
    // PendingFileRenameOperations alone is listed but does not demand a reboot.
    expect(f.rebootRequired).toBe(false);
    expect(f.rebootSources).toEqual(['pending-file-rename']);
    expect(f.lastSearchAt).toBe(Date.parse('2024-11-14T06:12:41Z'));
    expect(f.lastInstallAt).toBe(Date.parse('2024-10-09T02:31:07Z'));
  });

  it('reads reboot sources, a UTF-8 BOM and CRLF', () => {
    const f = parseWindowsUpdateJson(fixture('windows/wua-reboot-pending.json'));
    expect(f.pending).toBe(0);
    expect(f.rebootRequired).toBe(true);
    expect(f.rebootSources).toEqual(['windows-update', 'component-based-servicing']);
    expect(f.lastInstallAt).toBe(Date.parse('2024-11-13T03:05:40Z'));
  });

  it('turns a failed search into an error, not zero updates', () => {
    expect(() => parseWindowsUpdateJson(fixture('windows/wua-error.json'))).toThrow(/HRESULT -2145124329/);
    expect(() => parseWindowsUpdateJson(fixture('windows/wua-failed-search.json'))).toThrow(/result code 4/);
    expect(() => parseWindowsUpdateJson('Exception calling "Search"')).toThrow(/no JSON/);
  });
});

describe('macOS Software Update', () => {
  it('reads counts, the last check and security-named updates', () => {
    const p = parseSoftwareUpdateDefaults(fixture('macos/softwareupdate-defaults.txt'));
    expect(p.lastRecommendedUpdatesAvailable).toBe(2);
    expect(p.lastSuccessfulDate).toBe(Date.parse('2023-11-20T09:14:31Z'));
    expect(p.recommendedDisplayNames).toEqual(['Background Security Improvement', 'Safari']);
    expect(parsePlistDate('2023-11-20 09:14:31 +0100')).toBe(Date.parse('2023-11-20T08:14:31Z'));
  });

  it('takes the last Software Update install, not App Store apps or XProtect data', () => {
    expect(lastSoftwareUpdateInstall(fixture('macos/install-history.json'))).toBe(Date.parse('2023-11-08T07:20:03Z'));
    expect(lastSoftwareUpdateInstall('garbage')).toBeUndefined();
  });
});
