const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
});

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/**
 * Parses durations as written in config files and flags: `30s`, `5m`, `2h`, `7d`, `0s`.
 * Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = UNIT_MS[m[2] as string];
  if (unit === undefined || !Number.isFinite(n)) return undefined;
  return Math.round(n * unit);
}

/** Formats milliseconds back into the shortest exact duration text. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
