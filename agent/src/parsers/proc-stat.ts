/** Aggregate CPU jiffies from the first `cpu ` line of /proc/stat. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) throw new Error('/proc/stat cpu line is malformed');
  // user nice system idle iowait irq softirq steal (guest is already inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const idleAll = idle + iowait;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idleAll, total };
}

/** Busy percentage between two readings; undefined when no time passed. */
export function cpuUsagePercent(prev: CpuTimes, next: CpuTimes): number | undefined {
  const dt = next.total - prev.total;
  if (dt <= 0) return undefined;
  const pct = ((next.busy - prev.busy) / dt) * 100;
  return Math.min(100, Math.max(0, pct));
}
