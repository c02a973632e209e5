// What the hourly storage work costs per series: spilling an open buffer into a
// chunk row while its window is open, and sealing the window at its end (its
// spilled rows read, merged with the rest, written back as one chunk). At
// 5,000 agents × 60 series that is ~2.4 million spills and 300,000 seals an
// hour, the collector's CPU peaks (docs/capacity.md).
//
// One store on a file database (WAL, synchronous=FULL, as the collector runs
// it), fed the fleet simulator's metric set at 15 s for an hour and ten minutes
// of simulated time, maintenance after every round; CPU time of the maintenance
// calls that spilled and of those that sealed, divided by what they did. Each
// call gets the collector's slice budget (--budget, 20 ms as in collector/src/app.ts),
// so what a slice repeats (scanning the open buffers, sorting what is due) counts.
// --baseline DIST runs another build of the collector (a copy of an older
// collector/dist) the same way, alternating, so both are measured side by side
// on the same noisy machine; medians of --runs runs each.
//
//   pnpm run build && node scripts/bench/storage/seal-cost.mjs [--hosts 500] [--runs 3] [--budget 20]
//     [--dist collector/dist] [--baseline /path/to/old/collector/dist]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { collectRound, hostSeries } from '../../fleet-sim/metric-set.mjs';
import { median } from './measure.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const { values: a } = parseArgs({
  options: {
    hosts: { type: 'string', default: '500' },
    series: { type: 'string', default: '60' },
    runs: { type: 'string', default: '3' },
    budget: { type: 'string', default: '20' },
    dist: { type: 'string', default: 'collector/dist' },
    baseline: { type: 'string' },
  },
});
const HOSTS = Number(a.hosts);
const SERIES = Number(a.series);
const BUDGET_MS = Number(a.budget);
const ROUND_MS = 15_000;
// A fixed hour, so every run seals the same windows.
const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const END = T0 + 3_600_000 + 11 * 60_000;

async function load(dist) {
  const base = pathToFileURL(resolve(ROOT, dist)).href;
  const [{ migrate }, { ChunkedSampleStore }, { resolveStorageConfig }] = await Promise.all([
    import(`${base}/db/open.js`),
    import(`${base}/storage/chunked-store.js`),
    import(`${base}/storage/config.js`),
  ]);
  return { migrate, ChunkedSampleStore, resolveStorageConfig };
}

function cpuMs(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function runOnce(lib) {
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-seal-'));
  const db = new BetterSqlite3(join(dir, 'seal.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  lib.migrate(db);
  let now = T0;
  const store = new lib.ChunkedSampleStore(db, { config: lib.resolveStorageConfig({}), clock: () => now });
  const hosts = Array.from({ length: HOSTS }, (_, i) => hostSeries(i + 1, SERIES));
  const ids = hosts.map((h, i) => Int32Array.from(h.series, (s) => store.resolveSeries(`host-${i}`, s.name, s.labels)));
  const ts = new Float64Array(SERIES);
  const acc = { spillMs: 0, spills: 0, sealMs: 0, seals: 0, sealSlices: 0, sealSliceMaxMs: 0 };
  for (; now < END; now += ROUND_MS) {
    db.transaction(() => {
      hosts.forEach((h, i) => {
        // Agents report at their own phase within the round.
        ts.fill(now + ((i * 7919) % ROUND_MS));
        const values = Float64Array.from(collectRound(h, now, ROUND_MS / 1000), (s) => s.value);
        store.appendResolved(ids[i], ts, values);
      });
    })();
    for (;;) {
      const c = process.cpuUsage();
      const r = store.runMaintenance(now, { budgetMs: BUDGET_MS });
      const ms = cpuMs(c);
      if (r.errors.length) throw new Error(r.errors.join('; '));
      if (r.sealedBuffers > 0) {
        acc.sealMs += ms;
        acc.seals += r.sealedBuffers;
        acc.sealSlices++;
        acc.sealSliceMaxMs = Math.max(acc.sealSliceMaxMs, r.durationMs);
      } else if (r.spilledBuffers > 0) {
        acc.spillMs += ms;
        acc.spills += r.spilledBuffers;
      }
      if (!r.more) break;
    }
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (acc.seals !== HOSTS * SERIES) throw new Error(`sealed ${acc.seals} windows, expected ${HOSTS * SERIES}`);
  return {
    sealUs: (acc.sealMs * 1000) / acc.seals,
    spillUs: (acc.spillMs * 1000) / acc.spills,
    spillsPerSeries: acc.spills / (HOSTS * SERIES),
    sealSlices: acc.sealSlices,
    sealSliceMaxMs: acc.sealSliceMaxMs,
  };
}

const builds = [{ name: 'this build', lib: await load(a.dist), runs: [] }];
if (a.baseline) builds.push({ name: 'baseline', lib: await load(a.baseline), runs: [] });
for (let r = 0; r < Number(a.runs); r++) for (const b of builds) b.runs.push(runOnce(b.lib));

console.log(`${HOSTS} hosts × ${SERIES} series at 15 s, one hour sealed in ${BUDGET_MS}-ms slices; medians of ${a.runs} runs (CPU time)`);
console.log('| build | spill µs (each) | spills per series-hour | seal µs (each window) | slices of the seal | longest seal slice ms | CPU s an hour at 300,000 series (spills + seals) |');
console.log('|---|---|---|---|---|---|---|');
for (const b of builds) {
  const spill = median(b.runs.map((x) => x.spillUs));
  const seal = median(b.runs.map((x) => x.sealUs));
  const per = median(b.runs.map((x) => x.spillsPerSeries));
  const hourS = (300_000 * (per * spill + seal)) / 1e6;
  const slices = median(b.runs.map((x) => x.sealSlices));
  const longest = median(b.runs.map((x) => x.sealSliceMaxMs));
  console.log(`| ${b.name} | ${spill.toFixed(1)} | ${per.toFixed(1)} | ${seal.toFixed(1)} | ${slices} | ${longest.toFixed(0)} | ${hourS.toFixed(0)} |`);
}
