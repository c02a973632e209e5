import os from 'node:os';
import type { HostFacts } from '@hallmonitor/shared';
import { isRealSerial, parseIoregSerial, parseSwVers } from '../parsers/macos-facts.js';
import { parseOsRelease } from '../parsers/os-release.js';
import { parseRegQuery, windowsVersion } from '../parsers/reg-query.js';
import type { Collector, CollectResult } from './collector.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import { readOptional } from './proc-source.js';

type Facts = Partial<HostFacts>;

/** Hostname, kernel, arch, CPU and memory: the same on every OS, from Node itself. */
function common(platform: NodeJS.Platform): Facts {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: os.type(),
    kernel: os.release(),
    arch: os.arch(),
    platform,
    ...(cpus[0] ? { cpuModel: cpus[0].model.trim() } : {}),
    cpuCores: cpus.length,
    memoryBytes: os.totalmem(),
  };
}

async function linuxFacts(deps: Pick<CollectorDeps, 'fs'>): Promise<Facts> {
  const f: Record<string, string> = {};
  const rel = await readOptional(deps.fs, 'etc/os-release');
  if (rel) {
    const r = parseOsRelease(rel);
    if (r.NAME) f.os = r.NAME;
    if (r.VERSION_ID ?? r.VERSION) f.osVersion = (r.VERSION_ID ?? r.VERSION) as string;
    if (r.BUILD_ID) f.osBuild = r.BUILD_ID;
    if (r.PRETTY_NAME) f.osPrettyName = r.PRETTY_NAME;
    if (r.ID) f.osId = r.ID;
  }
  // product_serial is readable by root only: an unprivileged agent simply omits it.
  const serial = (await readOptional(deps.fs, 'sys/class/dmi/id/product_serial'))?.trim();
  if (isRealSerial(serial)) f.serial = serial;
  const vendor = (await readOptional(deps.fs, 'sys/class/dmi/id/sys_vendor'))?.trim();
  const model = (await readOptional(deps.fs, 'sys/class/dmi/id/product_name'))?.trim();
  if (vendor) f.hardwareVendor = vendor;
  if (model) f.hardwareModel = model;
  return f;
}

async function windowsFacts(deps: Pick<CollectorDeps, 'exec'>): Promise<Facts> {
  const f: Record<string, string> = {};
  const reg = await deps.exec('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'], { timeoutMs: 15_000 }).catch(() => undefined);
  if (reg?.code === 0) {
    const v = windowsVersion(parseRegQuery(reg.stdout));
    f.os = v.os;
    if (v.osVersion) f.osVersion = v.osVersion;
    if (v.osBuild) f.osBuild = v.osBuild;
    if (v.edition) f.osEdition = v.edition;
  }
  const bios = await deps
    .exec('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', '(Get-CimInstance -ClassName Win32_BIOS).SerialNumber'], { timeoutMs: 30_000 })
    .catch(() => undefined);
  const serial = bios?.code === 0 ? bios.stdout.trim() : undefined;
  if (isRealSerial(serial)) f.serial = serial;
  return f;
}

async function macFacts(deps: Pick<CollectorDeps, 'exec'>): Promise<Facts> {
  const f: Facts = {};
  const sw = await deps.exec('sw_vers', [], { timeoutMs: 15_000 }).catch(() => undefined);
  if (sw?.code === 0) Object.assign(f, parseSwVers(sw.stdout));
  const io = await deps.exec('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'], { timeoutMs: 15_000 }).catch(() => undefined);
  const serial = io?.code === 0 ? parseIoregSerial(io.stdout) : undefined;
  if (isRealSerial(serial)) f.serial = serial;
  return f;
}

/**
 * Host facts that change rarely (OS version, build, serial). Re-read once an
 * hour — an upgrade shows without a restart — and cached in between, so a round
 * costs nothing; the Windows and macOS reads spawn, but only hourly.
 * Never user data: no user names, no logged-in sessions.
 */
export function createFactsCollector(deps: Pick<CollectorDeps, 'fs' | 'exec' | 'platform'>): Collector {
  const read = cachedFor(3600_000, async (): Promise<Facts> => {
    const specific = deps.platform === 'linux' ? await linuxFacts(deps) : deps.platform === 'win32' ? await windowsFacts(deps) : deps.platform === 'darwin' ? await macFacts(deps) : {};
    return Object.freeze({ ...common(deps.platform), ...specific });
  });
  return {
    name: 'facts',
    async collect(): Promise<CollectResult> {
      return { samples: [], facts: await read() };
    },
  };
}
