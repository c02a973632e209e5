import { METRICS } from '@hallmonitor/shared';
import { parseMillidegrees } from '../parsers/proc-misc.js';
import { NotApplicableError, type Collector, type CollectResult } from './collector.js';
import { cachedFor, type CollectorDeps } from './deps.js';
import type { HostFs } from './proc-source.js';
import { loadSystemInformation } from './si.js';

/** hwmon drivers that measure the CPU package or dies, best first. */
const CPU_HWMON = ['coretemp', 'k10temp', 'zenpower', 'cpu_thermal', 'soc_thermal', 'cpu-thermal'];
/** thermal_zone types that are the CPU, best first; acpitz is a board sensor, the last resort. */
const CPU_ZONES = ['x86_pkg_temp', 'cpu-thermal', 'cpu_thermal', 'soc-thermal', 'soc_thermal', 'cpu0-thermal', 'acpitz'];

/**
 * The files that hold CPU temperatures: hwmon first (per-package sensors), then
 * thermal zones. Found once; re-searched only if a read fails.
 */
export async function findCpuSensors(fs: HostFs): Promise<string[]> {
  const hw: Array<{ rank: number; files: string[] }> = [];
  for (const dir of await fs.readDir('sys/class/hwmon').catch(() => [] as string[])) {
    const name = (await fs.readText(`sys/class/hwmon/${dir}/name`).catch(() => '')).trim();
    const rank = CPU_HWMON.indexOf(name);
    if (rank < 0) continue;
    const entries = await fs.readDir(`sys/class/hwmon/${dir}`).catch(() => [] as string[]);
    const inputs = entries.filter((e) => /^temp\d+_input$/.test(e)).map((e) => `sys/class/hwmon/${dir}/${e}`);
    if (inputs.length) hw.push({ rank, files: inputs });
  }
  if (hw.length) return hw.sort((a, b) => a.rank - b.rank).filter((h) => h.rank === hw[0]?.rank).flatMap((h) => h.files);
  const zones: Array<{ rank: number; file: string }> = [];
  for (const dir of await fs.readDir('sys/class/thermal').catch(() => [] as string[])) {
    if (!dir.startsWith('thermal_zone')) continue;
    const type = (await fs.readText(`sys/class/thermal/${dir}/type`).catch(() => '')).trim();
    const rank = CPU_ZONES.indexOf(type);
    if (rank >= 0) zones.push({ rank, file: `sys/class/thermal/${dir}/temp` });
  }
  const best = Math.min(...zones.map((z) => z.rank));
  return zones.filter((z) => z.rank === best).map((z) => z.file);
}

/**
 * The hottest CPU sensor, in °C. Linux reads /sys (hwmon, thermal zones);
 * Windows and macOS ask systeminformation at most every 5 minutes because it
 * spawns. Machines without a readable sensor (most VMs) are "not applicable".
 */
export function createTemperatureCollector(deps: Pick<CollectorDeps, 'fs' | 'platform'>): Collector {
  let sensors: string[] | undefined;
  // A machine without sensors is searched again only every 10 minutes, not every round.
  let noneUntil = 0;
  const viaSi = cachedFor(300_000, async (): Promise<number | undefined> => {
    const t = await (await loadSystemInformation()).cpuTemperature();
    return typeof t.main === 'number' && t.main > 0 ? t.main : undefined;
  });
  const linux = async (now: number): Promise<number | undefined> => {
    if (!sensors && now < noneUntil) return undefined;
    sensors ??= await findCpuSensors(deps.fs);
    if (sensors.length === 0) {
      sensors = undefined;
      noneUntil = now + 600_000;
      return undefined;
    }
    const values: number[] = [];
    for (const f of sensors) {
      const v = parseMillidegrees(await deps.fs.readText(f).catch(() => ''));
      if (v !== undefined) values.push(v);
    }
    if (values.length === 0) sensors = undefined; // hot-unplugged or driver reloaded: search again next round
    return values.length ? Math.max(...values) : undefined;
  };
  return {
    name: 'temperature',
    async collect({ now }): Promise<CollectResult> {
      const c = deps.platform === 'linux' ? await linux(now) : await viaSi();
      if (c === undefined) throw new NotApplicableError('no readable CPU temperature sensor');
      return { samples: [{ name: METRICS.cpuTemperatureCelsius, labels: {}, value: Math.round(c * 10) / 10, timestamp: now }] };
    },
  };
}
