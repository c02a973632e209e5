import { METRICS, type HostFacts } from '@hallmonitor/shared';
import { isoTime } from '../clock.js';
import { PatchRunner } from '../patch/runner.js';
import { PATCH_SOURCES } from '../patch/sources.js';
import type { PatchReport } from '../patch/types.js';
import { NotApplicableError, type Collector, type CollectResult, type Sample } from './collector.js';
import type { CollectorDeps } from './deps.js';

/**
 * Patch level. The slow part (apt simulation, dnf, zypper, Windows Update) runs
 * in a PatchRunner on its own schedule; a round reads its cached report plus
 * file-only checks (reboot flags, list age), so it never spawns. Without a
 * runner from the caller it starts its own on the first round.
 */
export function createPatchCollector(deps: CollectorDeps): Collector {
  let runner = deps.patchRunner;
  const owned = !runner;
  let started: Promise<void> | undefined;
  return {
    name: 'patch',
    async collect({ now }): Promise<CollectResult> {
      if (!runner) {
        runner = new PatchRunner({ sources: PATCH_SOURCES, exec: deps.exec, fs: deps.fs, platform: deps.platform, ...(deps.dataDir ? { dataDir: deps.dataDir } : {}) });
      }
      if (owned) started ??= runner.start();
      await started;
      const report = runner.latest();
      if (!report) return { samples: [], facts: flatFacts({ patchStatus: 'pending' }) };
      if (report.status === 'not_applicable') throw new NotApplicableError('no supported package manager or update service on this machine');
      return patchResult(report, await runner.fast(), now);
    },
    async close(): Promise<void> {
      if (owned) await runner?.stop();
    },
  };
}

/** Pure: one cached report plus this round's fast state → samples and flat facts. */
export function patchResult(report: PatchReport, fast: { rebootRequired?: boolean; rebootSources?: readonly string[]; lastSearchAt?: number } | undefined, now: number): CollectResult {
  const facts: FlatFacts = {
    patchSource: report.source,
    patchStatus: report.status,
    patchCheckedAt: isoTime(report.checkedAt),
  };
  // A failed slow check is this collector's failure every round until a check succeeds:
  // stale counts presented as current would be worse than none.
  if (report.status === 'error') throw new Error(`patch check (${report.source}) failed: ${report.error ?? 'unknown'}`);
  const sources = [...new Set([...(report.rebootSources ?? []), ...(fast?.rebootSources ?? [])])];
  const reboot = report.rebootRequired === true || fast?.rebootRequired === true ? true : report.rebootRequired ?? fast?.rebootRequired;
  const lastSearchAt = fast?.lastSearchAt ?? report.lastSearchAt;
  const samples: Sample[] = [];
  const add = (name: string, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value)) samples.push({ name, labels: {}, value, timestamp: now });
  };
  add(METRICS.patchPendingUpdates, report.pending);
  add(METRICS.patchPendingSecurityUpdates, report.security);
  add(METRICS.patchRebootRequired, reboot === undefined ? undefined : reboot ? 1 : 0);
  add(METRICS.patchLastInstallTimestampSeconds, report.lastInstallAt === undefined ? undefined : Math.floor(report.lastInstallAt / 1000));
  add(METRICS.patchLastCheckTimestampSeconds, lastSearchAt === undefined ? undefined : Math.floor(lastSearchAt / 1000));
  add(METRICS.patchListAgeSeconds, lastSearchAt === undefined ? undefined : Math.max(0, Math.round((now - lastSearchAt) / 1000)));
  return {
    samples,
    facts: flatFacts({
      ...facts,
      ...(reboot !== undefined ? { rebootRequired: reboot, rebootRequiredSources: sources.join(',') } : {}),
      ...(lastSearchAt !== undefined ? { patchListUpdatedAt: isoTime(lastSearchAt) } : {}),
      ...(report.lastInstallAt !== undefined ? { patchLastInstallAt: isoTime(report.lastInstallAt) } : {}),
      ...report.extra,
    }),
  };
}

type FlatFacts = Record<string, string | number | boolean>;

/** HostFacts allows extra flat keys on the wire; its static type does not list them. */
function flatFacts(f: FlatFacts): Partial<HostFacts> {
  return f as Partial<HostFacts>;
}
