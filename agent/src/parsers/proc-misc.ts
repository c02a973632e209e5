/** /proc/loadavg: the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): [number, number, number] {
  const f = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (f.length < 3 || f.some((n) => !Number.isFinite(n))) throw new Error('/proc/loadavg is malformed');
  return f as [number, number, number];
}

/** /proc/uptime: seconds since boot (first field). */
export function parseUptime(text: string): number {
  const v = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(v) || v < 0) throw new Error('/proc/uptime is malformed');
  return v;
}

/** The `btime` line of /proc/stat: boot time in seconds since the epoch. */
export function parseBootTime(procStat: string): number | undefined {
  const m = /^btime\s+(\d+)$/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}

/** A millidegree reading from /sys (`45000` → 45); undefined for garbage or sensor error values. */
export function parseMillidegrees(text: string): number | undefined {
  const v = Number(text.trim());
  if (!Number.isFinite(v) || text.trim() === '') return undefined;
  const c = v / 1000;
  // Sensors report -273 or 0xffff-style values when broken; neither is a CPU temperature.
  return c > -40 && c < 150 ? c : undefined;
}
