export interface InterfaceCounters {
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** Parses /proc/net/dev: cumulative receive and transmit bytes per interface. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit starts at field 8.
    const rx = f[0];
    const tx = f[8];
    if (!name || rx === undefined || tx === undefined || !Number.isFinite(rx) || !Number.isFinite(tx)) continue;
    out.set(name, { rxBytes: rx, txBytes: tx });
  }
  return out;
}

/**
 * Bytes per second between two readings. A counter that went backwards (driver
 * reset, 32-bit wrap) yields no rate rather than a huge negative spike.
 */
export function counterRate(prev: number, next: number, seconds: number): number | undefined {
  if (seconds <= 0 || next < prev) return undefined;
  return (next - prev) / seconds;
}
