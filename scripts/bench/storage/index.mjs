#!/usr/bin/env node
// Storage benchmark: our chunked engine vs a plain row-per-sample SQLite table
// (and Debian's Prometheus, when installed) on the same generated fleet data.
//   node scripts/bench/storage/index.mjs [--hosts 10] [--days 7] [--txn 5000] [--no-prometheus] [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkedEngine, rowEngine } from './engines.mjs';
import { fleetRounds, HOST_SERIES } from './fleet-data.mjs';
import { fileSize, ioWritten, latency, median, usedBytes } from './measure.mjs';
import { prometheusAvailable, runPrometheus } from './prometheus.mjs';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10' },
    days: { type: 'string', default: '7' },
    interval: { type: 'string', default: '15' },
    txn: { type: 'string', default: '5000' },
    'no-prometheus': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const hosts = args.quick ? 4 : Number(args.hosts);
const days = args.quick ? 2 : Number(args.days);
const intervalMs = Number(args.interval) * 1000;
const points = Math.floor((days * 86_400_000) / intervalMs);
const txnSamples = Number(args.txn);
const DAY = 86_400_000;
// Data ends now, so Prometheus' default retention keeps all of it.
const endMs = Math.floor(Date.now() / 60_000) * 60_000;
const startMs = endMs - points * intervalMs;
const dataSpec = { hosts, points, intervalMs, startMs };
const totalSamples = hosts * points * HOST_SERIES.length;
const dir = mkdtempSync(join(tmpdir(), 'hm-bench-storage-'));

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function ingest(engine, clockRef) {
  const io0 = ioWritten();
  const segRates = [];
  let pending = [];
  let pendingN = 0;
  let busyMs = 0;
  let maintMs = 0;
  let segN = 0;
  let segMs = 0;
  let round = 0;
  const commit = () => {
    const t = performance.now();
    engine.db.transaction(() => {
      for (const b of pending) engine.store.append(b.host, b.samples);
    })();
    const dt = performance.now() - t;
    busyMs += dt;
    segMs += dt;
    segN += pendingN;
    if (segN >= 200_000) {
      segRates.push(segN / (segMs / 1000));
      segN = 0;
      segMs = 0;
    }
    pending = [];
    pendingN = 0;
  };
  for (const r of fleetRounds(dataSpec)) {
    clockRef.now = r[0].samples[0].ts;
    for (const b of r) {
      pending.push(b);
      pendingN += b.samples.length;
    }
    if (pendingN >= txnSamples) commit();
    // Maintenance as the collector's timer runs it (a 50 ms budget per call, again
    // at once while it reports more work), here every 5 simulated minutes.
    if (engine.maintain && ++round % 20 === 0) {
      const t = performance.now();
      let more = true;
      for (let i = 0; more && i < 100; i++) more = engine.maintain(clockRef.now, 50).more;
      const dt = performance.now() - t;
      maintMs += dt;
      busyMs += dt;
      segMs += dt;
    }
  }
  if (pendingN) commit();
  let finalMs = 0;
  if (engine.maintain) {
    const t = performance.now();
    for (let i = 0; i < 10_000 && engine.maintain(endMs + 3 * 3_600_000, 1000).more; i++);
    finalMs = performance.now() - t;
  }
  engine.db.pragma('wal_checkpoint(TRUNCATE)');
  const io1 = ioWritten();
  return { busyMs, maintMs, finalMs, segRates, written: io1.writeBytes - io0.writeBytes, wchar: io1.wchar - io0.wchar };
}

function tableBytes(db, names) {
  try {
    const row = db.prepare(`SELECT sum(pgsize) AS b FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`).get(...names);
    return row.b ?? 0;
  } catch {
    return NaN;
  }
}

function queries(engine) {
  const rowStore = engine.name === 'row-per-sample';
  const host = 'host-001';
  const one = latency(rowStore ? 50 : 200, () => engine.store.query({ targetId: host, metric: 'cpu_usage_percent', fromMs: endMs - DAY, toMs: endMs }));
  const metrics = [...new Set(HOST_SERIES.map((s) => s[0]))];
  const pageFrom = endMs - Math.min(7, days) * DAY;
  let pts = 0;
  const page = latency(rowStore ? 5 : 30, () => {
    pts = 0;
    for (const m of metrics) for (const s of engine.store.query({ targetId: host, metric: m, fromMs: pageFrom, toMs: endMs, stepMs: 300_000 })) pts += s.points.length;
  });
  const latest = latency(rowStore ? 5 : 20, () => engine.store.latestAll());
  return { one, page, latest, pagePoints: pts };
}

function runEngine(make) {
  const clockRef = { now: startMs };
  const engine = make(join(dir, make.name), () => clockRef.now);
  log(`${engine.name}: ingesting ${totalSamples.toLocaleString()} samples …`);
  const ing = ingest(engine, clockRef);
  const used = usedBytes(engine.db);
  const rawBytes = engine.name === 'chunked' ? tableBytes(engine.db, ['chunks', 'chunks_by_series', 'chunks_by_end']) : tableBytes(engine.db, ['samples']);
  log(`${engine.name}: querying …`);
  const q = queries(engine);
  const stats = engine.store.stats ? engine.store.stats() : undefined;
  engine.db.close();
  return {
    name: engine.name,
    insertsPerSec: totalSamples / (ing.busyMs / 1000),
    insertsPerSecIngestOnly: totalSamples / ((ing.busyMs - ing.maintMs) / 1000),
    medianSegmentRate: median(ing.segRates),
    finalMs: ing.finalMs,
    bytesPerSampleDb: used / totalSamples,
    bytesPerSampleRaw: rawBytes / totalSamples,
    fileBytes: fileSize(engine.file),
    writtenPerSample: (ing.written || ing.wchar) / totalSamples,
    wcharPerSample: ing.wchar / totalSamples,
    q,
    stats,
  };
}

const results = [runEngine(chunkedEngine), runEngine(rowEngine)];
let prom;
if (!args['no-prometheus'] && prometheusAvailable()) {
  log('prometheus: remote-writing the same data …');
  try {
    prom = await runPrometheus(join(dir, 'prometheus'), dataSpec, log);
  } catch (err) {
    log(`prometheus: skipped (${err.message})`);
  }
}

const [c, r] = results;
const f = (x, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
const ratio = (a, b) => (Number.isFinite(a / b) ? `${f(a / b, 1)}×` : '–');
const rows = [
  ['inserts/s (durable, maintenance included)', f(c.insertsPerSec, 0), f(r.insertsPerSec, 0), ratio(c.insertsPerSec, r.insertsPerSec)],
  ['inserts/s, median over 200k-sample segments', f(c.medianSegmentRate, 0), f(r.medianSegmentRate, 0), ratio(c.medianSegmentRate, r.medianSegmentRate)],
  ['bytes/sample on disk, whole DB (used pages)', f(c.bytesPerSampleDb, 2), f(r.bytesPerSampleDb, 2), ratio(r.bytesPerSampleDb, c.bytesPerSampleDb)],
  ['bytes/sample on disk, raw data only', f(c.bytesPerSampleRaw, 2), f(r.bytesPerSampleRaw, 2), ratio(r.bytesPerSampleRaw, c.bytesPerSampleRaw)],
  ['bytes written/sample (write_bytes, WAL+checkpoints)', f(c.writtenPerSample, 1), f(r.writtenPerSample, 1), ratio(r.writtenPerSample, c.writtenPerSample)],
  ['one series, 24 h: median / p95 ms', `${f(c.q.one[0], 2)} / ${f(c.q.one[1], 2)}`, `${f(r.q.one[0], 2)} / ${f(r.q.one[1], 2)}`, ratio(r.q.one[1], c.q.one[1])],
  [`host page, 20 series × ${Math.min(7, days)} d, step 5 m: median / p95 ms`, `${f(c.q.page[0], 1)} / ${f(c.q.page[1], 1)}`, `${f(r.q.page[0], 1)} / ${f(r.q.page[1], 1)}`, ratio(r.q.page[1], c.q.page[1])],
  [`latest value of all ${hosts * HOST_SERIES.length} series: median ms`, f(c.q.latest[0], 2), f(r.q.latest[0], 2), ratio(r.q.latest[0], c.q.latest[0])],
];
if (prom) rows.push(['Prometheus 2.x bytes/sample on disk (blocks / whole dir)', `${f(prom.blockBytesPerSample, 2)} / ${f(prom.dirBytesPerSample, 2)}`, '', `ours raw ${f(c.bytesPerSampleRaw, 2)}`]);
const head = ['', 'chunked (ours)', 'row-per-sample', 'ratio'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
const line = (cells) => `| ${cells.map((x, i) => String(x).padEnd(widths[i])).join(' | ')} |`;
console.log(`Fleet data: ${hosts} hosts × ${HOST_SERIES.length} series × ${points.toLocaleString()} points (${days} d at ${intervalMs / 1000} s, jittered) = ${totalSamples.toLocaleString()} samples; ${txnSamples} samples per transaction; WAL, synchronous=FULL.`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(`chunked: final seal + rollup catch-up ${f(c.finalMs, 0)} ms; ${f(c.insertsPerSecIngestOnly, 0)} samples/s counting appends only; stats: ${JSON.stringify({ bytesPerSample: c.stats?.bytesPerSample, usedBytes: c.stats?.usedBytes, rollupBytes: c.stats?.rollupBytes })}`);
if (prom) console.log(`prometheus: ${prom.samples.toLocaleString()} samples in blocks, ${prom.note}`);
if (!args.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
