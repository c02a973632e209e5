import { describe, expect, it } from 'vitest';
import { parseMeminfo } from '../src/parsers/meminfo.js';
import { parseMounts } from '../src/parsers/mounts.js';
import { counterRate, parseNetDev } from '../src/parsers/net-dev.js';
import { parseOsRelease } from '../src/parsers/os-release.js';
import { parseBootTime, parseLoadavg, parseMillidegrees, parseUptime } from '../src/parsers/proc-misc.js';
import { cpuUsagePercent, parseProcStat } from '../src/parsers/proc-stat.js';
import { parseRegQuery, windowsVersion } from '../src/parsers/reg-query.js';
import { isRealSerial, parseIoregSerial, parseSwVers } from '../src/parsers/macos-facts.js';
import { fixture } from './helpers.js';

describe('/proc parsers on captured files', () => {
  it('reads meminfo in bytes', () => {
    const m = parseMeminfo(fixture('proc/meminfo'));
    expect(m.totalBytes).toBe(24684092 * 1024);
    expect(m.availableBytes).toBe(24413996 * 1024);
    expect(m.swapTotalBytes).toBe(0);
  });

  it('reads the aggregate cpu line and boot time of /proc/stat', () => {
    const t = parseProcStat(fixture('proc/stat'));
    // user nice system idle iowait irq softirq steal = 8663 0 1985 93590 221 0 57 8
    expect(t.total).toBe(8663 + 1985 + 93590 + 221 + 57 + 8);
    expect(t.busy).toBe(8663 + 1985 + 57 + 8);
    expect(parseBootTime(fixture('proc/stat'))).toBe(1795407501);
    expect(cpuUsagePercent({ busy: 100, total: 1000 }, { busy: 150, total: 1100 })).toBe(50);
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no aggregate cpu/);
  });

  it('reads loadavg and uptime, rejecting garbage', () => {
    expect(parseLoadavg(fixture('proc/loadavg'))).toEqual([0.08, 0.16, 0.08]);
    expect(() => parseLoadavg('garbage')).toThrow();
    expect(parseUptime('858.12 1650.30\n')).toBe(858.12);
    expect(() => parseUptime('x')).toThrow();
  });

  it('reads /proc/net/dev byte counters per interface', () => {
    const real = parseNetDev(fixture('proc/net-dev'));
    expect([...real.keys()]).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(real.get('eth0')).toEqual({ rxBytes: 166384896, txBytes: 460442 });
    const ws = parseNetDev(fixture('proc/net-dev-workstation'));
    // "docker0:  5000000" has no space after the colon-less name padding; still parsed.
    expect(ws.get('docker0')).toEqual({ rxBytes: 5000000, txBytes: 6000000 });
    expect(ws.get('eno1')).toEqual({ rxBytes: 987654321, txBytes: 123456789 });
    expect(counterRate(100, 50, 1)).toBeUndefined(); // counter reset: no negative spike
    expect(counterRate(100, 300, 2)).toBe(100);
  });

  it('keeps real filesystems and skips pseudo, snap, overlay, tmpfs, bind and personal mounts', () => {
    expect(parseMounts(fixture('proc/mounts')).map((m) => m.mount)).toEqual(['/']);
    expect(parseMounts(fixture('proc/mounts-workstation')).map((m) => m.mount)).toEqual(['/', '/srv/data share', '/home', '/mnt/shared']);
  });

  it('reads os-release with quoting', () => {
    const r = parseOsRelease(fixture('proc/os-release-debian12'));
    expect(r.NAME).toBe('Debian GNU/Linux');
    expect(r.VERSION_ID).toBe('12');
  });

  it('reads millidegree sensors and rejects error values', () => {
    expect(parseMillidegrees('52000\n')).toBe(52);
    expect(parseMillidegrees('-273000')).toBeUndefined();
    expect(parseMillidegrees('')).toBeUndefined();
    expect(parseMillidegrees('N/A')).toBeUndefined();
  });
});

describe('Windows and macOS fact parsers on captured output', () => {
  it('reads the CurrentVersion key and names Windows 11 by build', () => {
    const v = parseRegQuery(fixture('windows/reg-currentversion-win11.txt'));
    expect(v.UBR).toBe(0x1130);
    expect(v.RegisteredOrganization).toBe('');
    expect(windowsVersion(v)).toEqual({ os: 'Windows 11 Education', osVersion: '23H2', osBuild: '22631.4400', edition: 'Education' });
  });

  it('keeps a Windows Server name and falls back to ReleaseId', () => {
    const v = windowsVersion(parseRegQuery(fixture('windows/reg-currentversion-server2019.txt')));
    expect(v).toEqual({ os: 'Windows Server 2019 Standard', osVersion: '1809', osBuild: '17763.6717', edition: 'ServerStandard' });
  });

  it('reads sw_vers and the platform serial', () => {
    expect(parseSwVers(fixture('macos/sw_vers.txt'))).toEqual({ os: 'macOS', osVersion: '14.1.1', osBuild: '23B81' });
    expect(parseIoregSerial(fixture('macos/ioreg-platform.txt'))).toBe('FVFH1234Q6L4');
  });

  it('drops placeholder serials', () => {
    for (const junk of ['To Be Filled By O.E.M.', 'Not Specified', '0', '0000000', 'Default string', '', 'System Serial Number']) expect(isRealSerial(junk)).toBe(false);
    expect(isRealSerial('7XK2QL3')).toBe(true);
  });
});
