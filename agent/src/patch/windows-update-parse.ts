import type { PatchFindings } from './types.js';

/** Update classifications (Windows Update category GUIDs; stable across languages). */
export const WU_CLASSIFICATION = Object.freeze({
  security: '0fa1201d-4330-4fa8-8ae9-b877473b6441',
  critical: 'e6cf1350-c01b-414d-a61f-263d14d133b4',
  definition: 'e0789628-ce08-4437-be74-2495b842f43b',
});

interface WuUpdate {
  readonly categories?: unknown;
  readonly msrcSeverity?: unknown;
}

interface WuOutput {
  readonly resultCode?: unknown;
  readonly updates?: unknown;
  readonly rebootSystemInfo?: unknown;
  readonly rebootCbs?: unknown;
  readonly rebootWu?: unknown;
  readonly rebootPfro?: unknown;
  readonly lastSearch?: unknown;
  readonly lastInstall?: unknown;
  readonly lastHistoryInstall?: unknown;
  readonly error?: unknown;
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

function guids(u: WuUpdate): string[] {
  // PowerShell 5.1 serialises a one-element array inside a hashtable as an array, but be lenient.
  const c = Array.isArray(u.categories) ? u.categories : typeof u.categories === 'string' ? [u.categories] : [];
  return c.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
}

/**
 * Parses the JSON printed by WINDOWS_UPDATE_PS1. Security = the Security
 * Updates classification; definition updates (Defender) are counted apart and
 * left out of `pending`, or every Windows machine would always look unpatched.
 * Reboot: Windows Update's own flag, the CBS RebootPending key and the WU
 * RebootRequired key; PendingFileRenameOperations is listed as a source but does
 * not set the flag alone (installers leave it behind for harmless reasons).
 */
export function parseWindowsUpdateJson(text: string): PatchFindings {
  let o: WuOutput;
  try {
    o = JSON.parse(text.replace(/^\uFEFF/, '').trim()) as WuOutput;
  } catch {
    throw new Error('Windows Update script printed no JSON');
  }
  if (typeof o !== 'object' || o === null) throw new Error('Windows Update script printed no object');
  if (typeof o.error === 'string' && o.error !== '') throw new Error(`Windows Update search failed (HRESULT ${o.error})`);
  // OperationResultCode: 2 succeeded, 3 succeeded with errors; 4 failed, 5 aborted.
  if (o.resultCode !== 2 && o.resultCode !== 3) throw new Error(`Windows Update search result code ${String(o.resultCode)}`);
  const updates = (Array.isArray(o.updates) ? o.updates : o.updates && typeof o.updates === 'object' ? [o.updates] : []) as WuUpdate[];
  let pending = 0;
  let security = 0;
  let definitions = 0;
  for (const u of updates) {
    const g = guids(u);
    if (g.includes(WU_CLASSIFICATION.definition)) {
      definitions++;
      continue;
    }
    pending++;
    if (g.includes(WU_CLASSIFICATION.security)) security++;
  }
  const sources: string[] = [];
  if (o.rebootSystemInfo === true) sources.push('windows-update');
  if (o.rebootCbs === true) sources.push('component-based-servicing');
  if (o.rebootWu === true) sources.push('windows-update-key');
  const rebootRequired = sources.length > 0;
  if (o.rebootPfro === true) sources.push('pending-file-rename');
  const lastInstallAt = [time(o.lastInstall), time(o.lastHistoryInstall)].filter((t): t is number => t !== undefined);
  const lastSearchAt = time(o.lastSearch);
  return {
    pending,
    security,
    rebootRequired,
    rebootSources: sources,
    ...(lastInstallAt.length ? { lastInstallAt: Math.max(...lastInstallAt) } : {}),
    ...(lastSearchAt !== undefined ? { lastSearchAt } : {}),
    extra: { patchDefinitionUpdates: definitions },
  };
}
