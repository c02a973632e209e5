// Memory of the collector's open buffers (the in-memory head of the store) at
// fleet scale: by default 5,000 agents × 60 series (300,000 series, the
// fleet simulator's metric set and timing: 15 s ± 100 ms on 100 ms ticks, a
// ramp of up to 10 rounds, clock skew), driven through the OpenBuffers API the
// way chunked-store.ts drives it: get + insert per sample, mark + noteHead per
// agent batch, and a maintenance scan every 2 simulated seconds whose spills
// and seals empty or remove buffers (no database: memory is the same).
//
// Measured twice, after a full GC:
//   in window  — every buffer past its first spill (slots sized by what it took), holding 20–29 samples;
//   boundary   — after an hour boundary, its 10-minute grace and the seal. Every series had two
//                windows open for the grace, so the table's rows peaked at twice the series; the
//                store packs the rows in use into the lower half after the seal (OpenBuffers.pack,
//                as each maintenance scan does here; a build without it keeps the peak).
// "columns" is the growth of ArrayBuffer memory minus the arena's slabs (typed-array columns,
// the series → slot map); "JS heap" is the growth of the V8 heap (free lists, arrays of references).
// The arena's peak over the run (at the boundary) is printed too; spill counts show what the slot
// sizes cost in chunk-row writes.
//
//   pnpm run build && node --expose-gc scripts/bench/storage/open-buffers-memory.mjs
//     [--agents 5000] [--series 60] [--data sim|storage] [--no-skew] [--dist collector/dist]
// --data storage uses scripts/bench/storage/fleet-data.mjs (20 series a host; --series is ignored).
// --dist points at another build of the collector (e.g. a copy of the old dist) to compare.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { hostSeries, collectRound, rng } from '../../fleet-sim/metric-set.mjs';
import { fleetRounds, HOST_SERIES } from './fleet-data.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const { values: a } = parseArgs({
  options: {
    agents: { type: 'string', default: '5000' },
    series: { type: 'string', default: '60' },
    data: { type: 'string', default: 'sim' },
    'no-skew': { type: 'boolean', default: false },
    dist: { type: 'string', default: 'collector/dist' },
  },
});
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const { OpenBuffers } = await import(pathToFileURL(resolve(ROOT, a.dist, 'storage/open-buffers.js')).href);

const HOUR = 3_600_000;
const INTERVAL = 15_000;
const GRACE = 10 * 60_000;
const SPILL_AT = 30;
const RAMP_ROUNDS = 10;
/** Rounds before the measurement inside the window: 30 to the first spill, then 20–29 more (by ramp). */
const ROUNDS_IN_WINDOW = 59;
/** Then past the hour boundary and its grace period, plus two minutes. */
const ROUNDS_AFTER = Math.ceil((GRACE + 2 * 60_000) / INTERVAL) + 1;
const BOUNDARY = Date.UTC(2026, 10, 23, 1, 0, 0);
// Sends drift later by ~50 ms a round (the next 100 ms tick): a margin keeps the first measurement inside the window.
const START = BOUNDARY - ROUNDS_IN_WINDOW * INTERVAL - 10_000;

/** The fleet simulator's agents (scripts/fleet-sim/worker.mjs): its metric set, send timing and clock skew. */
function simSource(agents, perAgent, skew) {
  const r = rng(7);
  const skewFor = () => {
    const x = r();
    const sign = r() < 0.5 ? -1 : 1;
    if (x < 0.9) return Math.round((r() - 0.5) * 1000);
    if (x < 0.99) return sign * Math.round(5_000 + r() * 55_000);
    return sign * Math.round(600_000 + r() * 6_600_000);
  };
  const hosts = Array.from({ length: agents }, (_, i) => {
    // A send is due every interval ± 100 ms and happens on the worker's next 100 ms tick.
    const due = START + Math.floor(r() * INTERVAL);
    return { host: hostSeries(i + 1, perAgent), skew: skew ? skewFor() : 0, due, last: 0, start: Math.floor(r() * RAMP_ROUNDS) };
  });
  return {
    seriesPerHost: perAgent,
    round(k) {
      const out = [];
      for (let h = 0; h < hosts.length; h++) {
        const st = hosts[h];
        const now = Math.ceil(st.due / 100) * 100 + Math.floor(r() * 3);
        st.due = now + INTERVAL + Math.round((r() - 0.5) * 200);
        const dt = st.last ? (now - st.last) / 1000 : INTERVAL / 1000;
        st.last = now;
        const values = collectRound(st.host, now + st.skew, dt).map((s) => s.value);
        if (k >= st.start) out.push({ h, arrival: now, ts: now + st.skew, values });
      }
      return out;
    },
  };
}

/** scripts/bench/storage/fleet-data.mjs: 20 series a host, ±40 ms jitter. */
function storageSource(agents) {
  const gen = fleetRounds({ hosts: agents, points: ROUNDS_IN_WINDOW + ROUNDS_AFTER, intervalMs: INTERVAL, startMs: START });
  const r = rng(11);
  const start = Array.from({ length: agents }, () => Math.floor(r() * RAMP_ROUNDS));
  // The generator builds its hosts on the first call: before the baseline, so they are not counted.
  let first = gen.next().value;
  return {
    seriesPerHost: HOST_SERIES.length,
    round(k) {
      const out = [];
      const round = first ?? gen.next().value;
      first = undefined;
      round.forEach((b, h) => {
        if (k >= start[h]) out.push({ h, arrival: b.samples[0].ts, ts: b.samples[0].ts, values: b.samples.map((s) => s.value) });
      });
      return out;
    },
  };
}

const agents = Number(a.agents);
const source = a.data === 'storage' ? storageSource(agents) : simSource(agents, Number(a.series), !a['no-skew']);
const nSeries = agents * source.seriesPerHost;

globalThis.gc();
const base = process.memoryUsage();
const bufs = new OpenBuffers(SPILL_AT);
let gen = 0;
let headId = 0;
let nextScan = START;
/** Histogram of the bytes SPILL_AT samples take, from each spill of ≥ 10 samples (scaled). */
const spillBytes = new Uint32Array(4096);
const spills = { atLimit: 0, nearlyFull: 0, ended: 0, sealed: 0 };
let peakArena = 0;

function maintain(now) {
  bufs.pack?.();
  const { due, spill } = bufs.scan(now, GRACE, Number.NEGATIVE_INFINITY, now, SPILL_AT);
  for (const s of spill) {
    const n = bufs.count(s);
    if (n >= 10) spillBytes[Math.min(4095, Math.ceil((bufs.bytes(s) * SPILL_AT) / n))]++;
    if (n >= SPILL_AT) spills.atLimit++;
    else if (bufs.windowEnd(s) <= now - 60_000) spills.ended++;
    else spills.nearlyFull++;
    bufs.spilled(s);
  }
  for (const s of due) {
    spills.sealed++;
    bufs.remove(s);
  }
  peakArena = Math.max(peakArena, bufs.reservedBytes);
}

function runRounds(from, to) {
  for (let k = from; k < to; k++) {
    const batches = source.round(k).sort((x, y) => x.arrival - y.arrival);
    for (const b of batches) {
      const now = b.arrival + 20;
      for (; nextScan <= now; nextScan += 2_000) maintain(nextScan);
      gen = (gen % 0x7fffffff) + 1;
      headId++;
      const window = Math.floor(b.ts / HOUR) * HOUR;
      const touched = [];
      for (let i = 0; i < b.values.length; i++) {
        const slot = bufs.get(b.h * source.seriesPerHost + i, window, now);
        if (bufs.insert(slot, b.ts, b.values[i]) && bufs.mark(slot, gen)) touched.push(slot);
      }
      for (const s of touched) bufs.noteHead(s, headId);
    }
  }
}

async function measure(label) {
  globalThis.gc();
  // V8 frees the backing stores of dead ArrayBuffers (a packed table's old columns) after the GC, off the main thread.
  await new Promise((r) => setTimeout(r, 500));
  globalThis.gc();
  const m = process.memoryUsage();
  const arena = bufs.reservedBytes;
  const columns = m.arrayBuffers - base.arrayBuffers - arena;
  const heap = Math.max(0, m.heapUsed - base.heapUsed);
  let bytes = 0;
  let holding = 0;
  for (let id = 0; id < nSeries; id++) {
    for (const s of bufs.forSeries(id)) {
      bytes += bufs.bytes(s);
      if (bufs.count(s) > 0) holding++;
    }
  }
  const open = bufs.size;
  return { label, open, holding, samples: bufs.samples, bytesPerSample: bytes / Math.max(1, bufs.samples), columns, columnsPerOpen: columns / open, arena, arenaPerHolding: arena / Math.max(1, holding), heap, total: columns + arena + heap, totalPerSeries: (columns + arena + heap) / nSeries };
}

const t0 = performance.now();
runRounds(0, ROUNDS_IN_WINDOW);
const inWindow = await measure('in window');
runRounds(ROUNDS_IN_WINDOW, ROUNDS_IN_WINDOW + ROUNDS_AFTER);
const boundary = await measure('boundary');
const seconds = (performance.now() - t0) / 1000 - 1;

const f = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const mb = (x) => (x / 2 ** 20).toFixed(1);
console.log(`${a.data === 'storage' ? 'fleet-data.mjs' : 'fleet simulator'} data: ${f(agents)} agents × ${source.seriesPerHost} series = ${f(nSeries)} series at 15 s; build ${a.dist}; ${f(seconds, 1)} s`);
console.log('| state | open buffers | holding samples | samples | B/sample | columns MiB | column B/open buffer | arena MiB | arena B/buffer holding | JS heap MiB | total MiB | total B/series |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of [inWindow, boundary]) {
  console.log(`| ${r.label} | ${f(r.open)} | ${f(r.holding)} | ${f(r.samples)} | ${r.bytesPerSample.toFixed(2)} | ${mb(r.columns)} | ${r.columnsPerOpen.toFixed(1)} | ${mb(r.arena)} | ${r.arenaPerHolding.toFixed(1)} | ${mb(r.heap)} | ${mb(r.total)} | ${r.totalPerSeries.toFixed(1)} |`);
}
const spilledTotal = spillBytes.reduce((x, y) => x + y, 0);
const upTo = (n) => spillBytes.subarray(0, n + 1).reduce((x, y) => x + y, 0);
const q = (p) => spillBytes.findIndex((_, i) => upTo(i) >= p * spilledTotal);
const within = (n) => ((100 * upTo(n)) / Math.max(1, spilledTotal)).toFixed(1);
console.log(`arena peak during the run: ${mb(peakArena)} MiB`);
console.log(`spills: ${f(spills.atLimit)} at ${SPILL_AT} samples, ${f(spills.nearlyFull)} nearly full (fewer samples), ${f(spills.ended)} ended windows; ${f(spills.sealed)} sealed`);
console.log(`bytes ${SPILL_AT} samples take (spills of ≥ 10 samples, scaled): p10 ${q(0.1)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)}; ≤ 96 B ${within(96)} %, ≤ 112 B ${within(112)} %, ≤ 128 B ${within(128)} %, ≤ 192 B ${within(192)} %, ≤ 256 B ${within(256)} %`);
