/**
 * Values from `defaults read /Library/Preferences/com.apple.SoftwareUpdate`
 * (old-style plist text). Only top-level scalars and the display names of
 * RecommendedUpdates are read.
 */
export interface SoftwareUpdatePrefs {
  readonly lastSuccessfulDate?: number;
  readonly lastUpdatesAvailable?: number;
  readonly lastRecommendedUpdatesAvailable?: number;
  readonly recommendedDisplayNames: readonly string[];
}

/** `2023-11-20 09:14:31 +0000` → ms. */
export function parsePlistDate(v: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(v.trim());
  const t = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`) : Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

export function parseSoftwareUpdateDefaults(text: string): SoftwareUpdatePrefs {
  const scalar = (key: string): string | undefined => {
    const m = new RegExp(`^ {4}${key} = (.*);$`, 'm').exec(text);
    return m ? unquote(m[1] as string) : undefined;
  };
  const num = (key: string): number | undefined => {
    const v = scalar(key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const names = [...text.matchAll(/"Display Name" = (.*);/g)].map((m) => unquote(m[1] as string));
  const last = scalar('LastSuccessfulDate') ?? scalar('LastFullSuccessfulDate');
  const lastSuccessfulDate = last !== undefined ? parsePlistDate(last) : undefined;
  const lastUpdatesAvailable = num('LastUpdatesAvailable');
  const lastRecommendedUpdatesAvailable = num('LastRecommendedUpdatesAvailable');
  return {
    ...(lastSuccessfulDate !== undefined ? { lastSuccessfulDate } : {}),
    ...(lastUpdatesAvailable !== undefined ? { lastUpdatesAvailable } : {}),
    ...(lastRecommendedUpdatesAvailable !== undefined ? { lastRecommendedUpdatesAvailable } : {}),
    recommendedDisplayNames: names,
  };
}

/**
 * `plutil -convert json -o - /Library/Receipts/InstallHistory.plist`: the
 * newest install made by Software Update (App Store and hand-installed apps are
 * not OS patching), leaving out the silent XProtect/MRT/Gatekeeper data files,
 * which like Defender definitions arrive constantly. Only the date is kept.
 */
export function lastSoftwareUpdateInstall(json: string): number | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  let latest: number | undefined;
  for (const r of rows as Array<{ date?: unknown; processName?: unknown; displayName?: unknown }>) {
    if (typeof r?.processName !== 'string' || !/softwareupdate|macOS Installer/i.test(r.processName)) continue;
    if (typeof r.displayName === 'string' && /ConfigData|XProtect|MRT|Gatekeeper/i.test(r.displayName)) continue;
    const t = typeof r.date === 'string' ? Date.parse(r.date) : NaN;
    if (Number.isFinite(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}
