import { parseDuration } from '@hallmonitor/shared';
import type { CatalogSnapshot } from './catalog.js';
import { AGENT_EXECUTABLES } from './files.js';
import type { UpdatesConfig } from './schema.js';

/**
 * What the welcome message's `settings.update` carries. The agent decides for
 * itself whether it is in the ring (percent by a stable hash of its id, or
 * named in `pilot`), waits its jitter, downloads `/downloads/{file}` over the
 * pinned connection and checks `sha256` before it swaps.
 */
export interface UpdateAdvert {
  readonly version: string;
  /** Per platform key (`linux-x64`, `linux-arm64`, `win32-x64`). */
  readonly files: Readonly<Record<string, { readonly file: string; readonly sha256: string; readonly size: number }>>;
  readonly percent: number;
  readonly pilot: readonly string[];
  readonly jitterSeconds: number;
  readonly trialSeconds: number;
  /** How often the agent re-reads this advert from /downloads/update.json while connected. */
  readonly checkSeconds: number;
}

/**
 * Pure: the update to advertise for this catalog and policy, or undefined when
 * updates are paused, pinned to another version, or nothing verifiable is
 * served. A file is advertised only when the build manifest names it with
 * this version AND its checksum matches the file actually served.
 */
export function updateAdvert(policy: UpdatesConfig | undefined, snap: CatalogSnapshot): UpdateAdvert | undefined {
  const p = policy ?? { mode: 'auto', percent: 100, pilot: [], jitter: '30m', trialPeriod: '3m', checkInterval: '1h' };
  const version = snap.manifest.version;
  if (p.mode === 'paused' || !version) return undefined;
  if (p.pinVersion !== undefined && p.pinVersion !== version) return undefined;
  const files: Record<string, { file: string; sha256: string; size: number }> = {};
  for (const [key, name] of Object.entries(AGENT_EXECUTABLES)) {
    const served = snap.files.get(name);
    const built = snap.manifest.files?.[name];
    if (served && built && built.version === version && built.sha256 === served.sha256) {
      files[key] = { file: name, sha256: served.sha256, size: served.size };
    }
  }
  if (Object.keys(files).length === 0) return undefined;
  return {
    version,
    files,
    percent: p.percent,
    pilot: p.pilot,
    jitterSeconds: Math.round((parseDuration(p.jitter) ?? 0) / 1000),
    trialSeconds: Math.max(10, Math.round((parseDuration(p.trialPeriod) ?? 180_000) / 1000)),
    checkSeconds: Math.max(5, Math.round((parseDuration(p.checkInterval) ?? 3_600_000) / 1000)),
  };
}
