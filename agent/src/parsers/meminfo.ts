export interface MemInfo {
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

/** Parses /proc/meminfo (values in kB). */
export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1] as string, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
  // MemAvailable exists since Linux 3.14; older kernels get the classic estimate.
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return {
    totalBytes: total,
    availableBytes: available,
    swapTotalBytes: kb.get('SwapTotal') ?? 0,
    swapFreeBytes: kb.get('SwapFree') ?? 0,
  };
}
