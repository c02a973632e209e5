import { Type, type Static } from '@sinclair/typebox';
import { parseDuration } from '@hallmonitor/shared';
import { CollectorError } from '../errors.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$', description: 'e.g. 30s, 5m, 2h, 7d' });
const Size = Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$', description: 'e.g. 512MB, 10GB' });

export const StorageTierSchema = Type.Object(
  {
    /** Bucket width of this tier; a multiple of the previous tier's step. */
    step: Duration,
    /** How long this tier is kept. */
    keep: Duration,
  },
  { additionalProperties: false },
);

export const DEFAULT_TIERS = [
  { step: '1m', keep: '90d' },
  { step: '15m', keep: '365d' },
  { step: '1h', keep: '730d' },
];

/**
 * `storage:` in the collector config. Defaults fit a closet server with a few
 * GB of disk: two weeks raw, three months per minute, a year per quarter hour,
 * two years per hour, and never more than 4 GB of used pages.
 */
export const StorageConfigSchema = Type.Object(
  {
    /** Retention of raw samples. */
    raw: Type.String({ ...Duration, default: '14d' }),
    tiers: Type.Array(StorageTierSchema, { default: DEFAULT_TIERS, maxItems: 6 }),
    /** Size budget for the database; when reached, the oldest data of every tier is trimmed in proportion to its retention. */
    maxSize: Type.String({ ...Size, default: '4GB' }),
    /** Timestamps within this of the collection interval's rhythm are snapped to it (better compression); 0s keeps them exact. */
    alignJitter: Type.String({ ...Duration, default: '500ms' }),
    /** How long a chunk window stays open for late samples after it ends before it is sealed. */
    lateGrace: Type.String({ ...Duration, default: '10m' }),
  },
  { additionalProperties: false, default: {} },
);
export type StorageConfig = Static<typeof StorageConfigSchema>;

export interface ResolvedTier {
  readonly stepMs: number;
  readonly keepMs: number;
  /** Time covered by one rollup chunk (240 buckets). */
  readonly spanMs: number;
}

export interface ResolvedStorageConfig {
  readonly rawKeepMs: number;
  readonly tiers: readonly ResolvedTier[];
  readonly maxBytes: number;
  readonly alignToleranceMs: number;
  readonly lateGraceMs: number;
}

export const BUCKETS_PER_ROLLUP_CHUNK = 240;

const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (SIZE_UNITS[m[2] as string] as number));
}

function fail(field: string, problem: string): never {
  throw new CollectorError('HM_CONFIG', `storage.${field}: ${problem}`);
}

function duration(field: string, text: string | undefined, fallback: string): number {
  const ms = parseDuration(text ?? fallback);
  if (ms === undefined) fail(field, `not a duration: ${text}`);
  return ms;
}

/**
 * Turns the (schema-checked) config into milliseconds and bytes, checking what
 * the schema cannot: tiers get coarser, each step divides the next, and each
 * tier is kept long enough for the next one to be computed from it.
 */
export function resolveStorageConfig(c: Partial<StorageConfig> = {}): ResolvedStorageConfig {
  const rawKeepMs = duration('raw', c.raw, '14d');
  if (rawKeepMs < 3_600_000) fail('raw', 'must be at least 1h');
  const tiers: ResolvedTier[] = [];
  (c.tiers ?? DEFAULT_TIERS).forEach((t, i) => {
    const stepMs = duration(`tiers[${i}].step`, t.step, '');
    const keepMs = duration(`tiers[${i}].keep`, t.keep, '');
    if (stepMs < 1000 || stepMs > 86_400_000) fail(`tiers[${i}].step`, 'must be between 1s and 1d');
    const prev = tiers[i - 1];
    if (prev && (stepMs <= prev.stepMs || stepMs % prev.stepMs !== 0)) fail(`tiers[${i}].step`, `must be a multiple of the previous tier's step (${prev.stepMs} ms)`);
    const spanMs = stepMs * BUCKETS_PER_ROLLUP_CHUNK;
    const prevKeep = prev ? prev.keepMs : rawKeepMs;
    if (prevKeep < 2 * spanMs) fail(i === 0 ? 'raw' : `tiers[${i - 1}].keep`, `must be at least ${2 * spanMs / 3_600_000}h so tiers[${i}] can be computed from it`);
    if (keepMs < prevKeep) fail(`tiers[${i}].keep`, 'must not be shorter than the finer data it summarizes');
    tiers.push({ stepMs, keepMs, spanMs });
  });
  const maxBytes = parseSize(c.maxSize ?? '4GB');
  if (maxBytes === undefined) fail('maxSize', `not a size: ${c.maxSize}`);
  if (maxBytes < 16e6) fail('maxSize', 'must be at least 16MB');
  const alignToleranceMs = duration('alignJitter', c.alignJitter, '500ms');
  const lateGraceMs = duration('lateGrace', c.lateGrace, '10m');
  return Object.freeze({ rawKeepMs, tiers: Object.freeze(tiers), maxBytes, alignToleranceMs, lateGraceMs });
}
