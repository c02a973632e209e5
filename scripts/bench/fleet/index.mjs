#!/usr/bin/env node
// Capacity benchmark: one real collector (TLS on, default rules) driven by the
// fleet simulator — 5,000 agents × 60 series every 15 s by default — reporting
// in one run: collector CPU and RSS, ingest→ack latency, alert latency, fleet
// page (GET /api/v1/hosts) latency under load and database growth per day;
// then the load is raised step by step (shorter intervals = more agents'
// worth of samples) until the collector saturates. With snmpsim installed it
// also runs 300 simulated UniFi APs (one snmpsimd) in the collector's
// `devices:` section, polled by one real agent process (`hallmonitor-agent
// run`, enrolled as the poller), so AP targets and their series are part of
// the load; `--aps 0` leaves them out. Run from the repo root after `pnpm build`:
//   node scripts/bench/fleet/index.mjs [--agents 5000] [--interval 15s] [--window 120s]
//     [--steps 2,3,4,6,8] [--procs 2] [--remote-write] [--json FILE]
//     [--aps 300] [--ap-poll 60s] [--ap-ping auto|off] [--ap-poller closet-server]
//     [--protocol 2|3]   (what the simulated agents speak; default the current version)
// Writes nothing outside a temp directory; prints markdown tables (docs/capacity.md).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, parseDuration } from '@hallmonitor/shared';
import { apSeries, apTargets, trackApCycles, waitForAps } from '../../fleet-sim/ap-status.mjs';
import { snmpsimAvailable, startAps } from '../../fleet-sim/aps.mjs';
import { enrollFleet, startFleet } from '../../fleet-sim/fleet.mjs';
import { count, quantile } from '../../fleet-sim/histogram.mjs';
import { startApPoller } from '../../fleet-sim/poller.mjs';
import { measureBytesPerSample } from './bytes-per-sample.mjs';
import { cpuSeconds, fileBytes, machineCpu, rssBytes, startCollector, writeBytes } from './collector-proc.mjs';

const { values: a } = parseArgs({
  options: {
    agents: { type: 'string', default: '5000' },
    series: { type: 'string', default: '60' },
    interval: { type: 'string', default: '15s' },
    window: { type: 'string', default: '120s' },
    'step-window': { type: 'string', default: '60s' },
    steps: { type: 'string', default: '2,3,4,6,8' },
    procs: { type: 'string', default: '2' },
    disconnects: { type: 'string', default: '1' },
    restarts: { type: 'string', default: '0.2' },
    'remote-write': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    aps: { type: 'string' },
    'ap-poll': { type: 'string', default: '60s' },
    'ap-ping': { type: 'string', default: 'auto' },
    'ap-poller': { type: 'string', default: 'closet-server' },
    protocol: { type: 'string' },
  },
});
const AGENTS = Number(a.agents);
const SERIES = Number(a.series);
const INTERVAL = parseDuration(a.interval);
const WINDOW = parseDuration(a.window);
const STEP_WINDOW = parseDuration(a['step-window']);
const STEPS = a.steps ? a.steps.split(',').map(Number).filter((x) => x > 1) : [];
const log = (m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
// Simulated APs: 300 by default when snmpsim is installed (an explicit --aps N needs it).
const APS = a.aps === undefined ? (snmpsimAvailable() ? 300 : 0) : Number(a.aps);
const AP_POLL = parseDuration(a['ap-poll']);
if (a.aps === undefined && APS === 0) log('snmpsimd/snmpget not installed (apt-get install -y snmpsim snmp): running without simulated APs');
if (!Number.isInteger(APS) || APS < 0) throw new Error(`--aps: a count, not ${a.aps}`);
if (!AP_POLL || AP_POLL < 10_000) throw new Error(`--ap-poll: a duration of at least 10s, not ${a['ap-poll']}`);
if (a['ap-ping'] !== 'auto' && a['ap-ping'] !== 'off') throw new Error(`--ap-ping: auto or off, not ${a['ap-ping']}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(os.tmpdir(), 'hm-bench-fleet-'));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// Alert latency: a webhook receiver timing each probe alert's arrival.
const arrivals = new Map();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const at = performance.now();
    try {
      const n = JSON.parse(body);
      if (n.status === 'firing') for (const al of n.alerts) if (al.labels?.probe) arrivals.set(al.labels.probe, at);
    } catch {
      // not ours
    }
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));

let prom;
if (a['remote-write']) {
  const port = 19_600 + Math.floor(Math.random() * 300);
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  prom = { url: `http://127.0.0.1:${port}`, proc: spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'], { stdio: 'ignore' }) };
}

// The APs answer before the collector starts, so its config carries their devices section from the first welcome.
const aps = APS > 0 ? await startAps({ count: APS, sites: 10 }) : undefined;
if (aps) log(`${APS} simulated APs on udp 127.0.0.1:${aps.port} (snmpsimd pid ${aps.pid})`);

const configFile = join(dir, 'collector.yaml');
writeFileSync(
  configFile,
  `listen: 127.0.0.1:0
log: { level: info }
limits: { connectionsPerIp: 100000, connectionsTotal: 100000, apiRequestsPerSecondPerIp: 100000, apiBurstPerIp: 100000 }
agents: { interval: ${a.interval}${aps ? `, devicePoll: ${a['ap-poll']}` : ''} }
notifiers:
  - { name: bench, type: webhook, url: "http://127.0.0.1:${receiver.address().port}/hook", secret: ${SECRET}, allowPrivateNetwork: true }
rules:
  - { name: probe, metric: bench_probe, op: ">", threshold: 4, for: 0s, severity: critical, notify: [bench] }
${prom ? `remoteWrite:\n  - { name: district, url: "${prom.url}/api/v1/write", allowPrivateNetwork: true }\n` : ''}${aps ? aps.devicesYaml(a['ap-poller'], { ping: a['ap-ping'] }) : ''}`,
);
const dataDir = join(dir, 'data');
const collector = await startCollector(configFile, dataDir);
const pid = collector.child.pid;
log(`collector ${collector.url} pid ${pid}; data in ${dataDir}`);
const token = collector.token(AGENTS + 1);
const viewerKey = collector.apiKey('viewer');
const ca = collector.ca;

const t0 = performance.now();
const enrolled = await enrollFleet({ url: collector.url, ca, token, count: AGENTS + 1, log });
log(`enrolled ${enrolled.length} agents in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const probeAgent = enrolled.pop();

const fleet = await startFleet({ url: collector.url, ca, agents: enrolled, procs: Number(a.procs), intervalMs: INTERVAL, series: SERIES, disconnectsPerHour: Number(a.disconnects), restartsPerHour: Number(a.restarts), ...(a.protocol ? { protocol: Number(a.protocol) } : {}) });
const tc = performance.now();
for (;;) {
  const r = await fleet.report();
  if (r.connected >= AGENTS * 0.995) break;
  if (performance.now() - tc > 300_000) throw new Error(`only ${r.connected} of ${AGENTS} agents connected after 5 min: ${r.errors.join('; ')}`);
  await sleep(2000);
}
const connectSeconds = (performance.now() - tc) / 1000;
log(`${AGENTS} agents connected in ${connectSeconds.toFixed(0)} s`);

// The AP poller: a real agent enrolled under the name the devices section names; wait until every AP is a target with data.
let poller;
let apInfo;
let apCycles;
if (aps) {
  const names = aps.aps.map((x) => x.name);
  try {
    poller = await startApPoller({ url: collector.url, token: collector.token(1), name: a['ap-poller'], dir: join(dir, 'poller') });
    log(`AP poller "${poller.name}" pid ${poller.pid} connected; waiting for ${APS} AP targets`);
    const seen = await waitForAps({ url: collector.url, key: viewerKey, ca, names, timeoutMs: Math.max(120_000, 3 * AP_POLL), hint: () => `poller log (${poller.logFile}):\n${poller.logTail(1500)}` });
    const series = await apSeries({ url: collector.url, key: viewerKey, ca, ids: seen.aps.map((h) => h.id) });
    apInfo = { reportedSeconds: seen.seconds, series };
    log(`${seen.aps.length} AP targets reported ${seen.seconds.toFixed(0)} s after the poller connected; ${series.total} AP series (${series.perAp.min}–${series.perAp.max} per AP: ${series.metrics.join(', ')})`);
    // The last device's samples travel last: its wifi_ap_up times each cycle up to "all stored".
    const last = seen.aps.find((h) => h.name === names[names.length - 1]);
    apCycles = trackApCycles({ url: collector.url, key: viewerKey, ca, apId: last.id });
  } catch (err) {
    log(`APs: ${err.message}`);
    await fleet.stop();
    await poller?.stop();
    await aps.stop();
    await collector.stop();
    receiver.close();
    prom?.proc.kill('SIGTERM');
    if (!a.keep) rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
}

// The probe agent: one extra connection sending a breaching sample now and then.
const probe = await new Promise((resolve, reject) => {
  const ws = new WebSocket(`${collector.url.replace('https', 'wss')}/api/v1/agent/ws`, { headers: { authorization: `Bearer ${probeAgent.agentId}.${probeAgent.credential}` }, perMessageDeflate: false, ca, checkServerIdentity: () => undefined });
  const p = { ws, seq: 0, n: 0 };
  ws.on('open', () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', agentId: probeAgent.agentId, agentVersion: 'bench', protocolVersion: PROTOCOL_VERSION, epoch: 'bench-probe', facts: { hostname: 'probe', os: 'bench', kernel: 'k', arch: 'x64' } })));
  ws.on('message', (m) => JSON.parse(String(m)).type === 'welcome' && resolve(p));
  ws.on('error', reject);
});
const fired = new Map();
function fireProbe() {
  const id = `p${++probe.n}`;
  fired.set(id, performance.now());
  probe.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'metrics', epoch: 'bench-probe', seq: ++probe.seq, samples: [{ name: 'bench_probe', labels: { probe: id }, value: 9, timestamp: Date.now() }] }));
  return id;
}

// The fleet page: GET /api/v1/hosts as the dashboard does, over one keep-alive connection.
const pageAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca, checkServerIdentity: () => undefined });
function getHosts() {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = httpsRequest(`${collector.url}/api/v1/hosts`, { agent: pageAgent, headers: { authorization: `Bearer ${viewerKey}`, 'accept-encoding': 'identity' } }, (res) => {
      let n = 0;
      // With APs the page is kept (not parsed while timing) to check the APs are on it.
      const chunks = aps ? [] : undefined;
      res.on('data', (d) => {
        n += d.length;
        chunks?.push(d);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - t, bytes: n, chunks }) : reject(new Error(`hosts: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (arr, q) => {
  if (arr.length === 0) return NaN;
  const s = [...arr].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const median = (arr) => pct(arr, 0.5);

/** The APs in one window: poller and snmpsimd CPU, and the APs as the fleet page listed them. */
function apRow(cpu, seconds, pageChunks) {
  const hosts = pageChunks ? JSON.parse(Buffer.concat(pageChunks).toString('utf8')).hosts : [];
  const onPage = apTargets(hosts, aps.aps.map((x) => x.name));
  return {
    pollerCpuPct: (100 * cpu.poller) / seconds,
    pollerCpuMsPerPoll: (1000 * cpu.poller) / (seconds / (AP_POLL / 1000)),
    pollerRssMB: cpu.pollerRss / 2 ** 20,
    snmpsimCpuPct: (100 * cpu.snmpsim) / seconds,
    cyclesInWindow: cpu.cycles,
    pageTargets: hosts.length,
    pageAps: onPage.length,
    pageApsUp: onPage.filter((h) => h.status === 'up').length,
  };
}

/** One measurement window at the current load. */
async function measure(ms, label) {
  await fleet.report(); // resets the ack histogram
  const sim0 = await fleet.report();
  const cpu0 = cpuSeconds(pid);
  const m0 = machineCpu();
  const simCpu0 = fleet.pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const apCpu0 = aps ? { poller: cpuSeconds(poller.pid, { children: true }), snmpsim: cpuSeconds(aps.pid, { children: true }), cycles: apCycles.cycles().length } : undefined;
  const bytes0 = fileBytes(dataDir);
  const written0 = writeBytes(pid);
  const firedHere = [];
  const pages = [];
  const rss = [];
  let pageBytes = 0;
  let lastPage;
  const until = performance.now() + ms;
  let nextProbe = performance.now() + 1000;
  while (performance.now() < until) {
    const p = await getHosts().catch(() => undefined);
    if (p) {
      pages.push(p.ms);
      pageBytes = p.bytes;
      lastPage = p.chunks;
    }
    rss.push(rssBytes(pid));
    if (performance.now() >= nextProbe) {
      firedHere.push(fireProbe());
      nextProbe = performance.now() + 2000;
    }
    await sleep(Math.max(0, 1000 - (p?.ms ?? 0)));
  }
  const seconds = ms / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const m1 = machineCpu();
  const simCpu = fleet.pids.reduce((s, p) => s + cpuSeconds(p), 0) - simCpu0;
  // The poller and snmpsimd count in "other CPU"; their own share is reported with the APs.
  const apCpu = apCpu0 && { poller: cpuSeconds(poller.pid, { children: true }) - apCpu0.poller, snmpsim: cpuSeconds(aps.pid, { children: true }) - apCpu0.snmpsim, cycles: apCycles.cycles().length - apCpu0.cycles, pollerRss: rssBytes(poller.pid) };
  const sim = await fleet.report();
  await sleep(3000); // stragglers
  const alerts = firedHere.filter((id) => arrivals.has(id)).map((id) => arrivals.get(id) - fired.get(id));
  const batches = sim.counters.sent - sim0.counters.sent;
  const samples = sim.counters.samples - sim0.counters.samples;
  const row = {
    label,
    intervalMs: Math.round(INTERVAL / (label.k ?? 1)),
    equivalentAgents: Math.round(AGENTS * (label.k ?? 1)),
    samplesPerSecond: samples / seconds,
    batchesPerSecond: batches / seconds,
    collectorCpuPct: (100 * cpu) / seconds,
    simCpuPct: (100 * simCpu) / seconds,
    otherCpuPct: (100 * (m1.busy - m0.busy - cpu - simCpu)) / seconds,
    machineBusyPct: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
    rssMedianMB: median(rss) / 2 ** 20,
    rssMaxMB: Math.max(...rss) / 2 ** 20,
    ackCount: count(sim.hist),
    ackP50: quantile(sim.hist, 0.5),
    ackP99: quantile(sim.hist, 0.99),
    unacked: sim.pending,
    connected: sim.connected,
    pageCount: pages.length,
    pageP50: median(pages),
    pageP95: pct(pages, 0.95),
    pageKB: pageBytes / 1024,
    alertsSent: firedHere.length,
    alertsReceived: alerts.length,
    alertP50: median(alerts),
    alertP99: pct(alerts, 0.99),
    dbGrowthBytesPerSecond: (fileBytes(dataDir) - bytes0) / seconds,
    diskWriteBytesPerSecond: (writeBytes(pid) - written0) / seconds,
    loadavg: os.loadavg()[0],
    errors: sim.errors.slice(0, 3),
    ...(apCpu ? { aps: apRow(apCpu, seconds, lastPage) } : {}),
  };
  log(`${label.name}: ${JSON.stringify(row)}`);
  return row;
}

// Warm-up: two intervals, so every agent has reported and the head is steady.
log(`warm-up ${(2 * INTERVAL) / 1000} s`);
await sleep(2 * INTERVAL);
const rows = [await measure(WINDOW, { name: `${AGENTS} agents @ ${a.interval}`, k: 1 })];
// Poll cycles timed through warm-up and the main window (the steps below change the fleet's load, not the poller's).
const cycleMs = apCycles ? (await apCycles.stop()).map((c) => c.storedMs) : undefined;
if (cycleMs) log(`AP poll cycles (start → samples stored): ${cycleMs.join(', ')} ms`);

// One Prometheus scrape of the whole fleet, timed, with its cost on the collector.
const scrape = await new Promise((resolve, reject) => {
  const c0 = cpuSeconds(pid);
  const t = performance.now();
  const req = httpsRequest(`${collector.url}/metrics`, { ca, checkServerIdentity: () => undefined, headers: { authorization: `Bearer ${viewerKey}`, 'accept-encoding': 'gzip' } }, (res) => {
    let n = 0;
    const parts = [];
    res.on('data', (d) => {
      n += d.length;
      parts.push(d);
    });
    res.on('end', () => {
      const done = { ms: performance.now() - t, gzipKB: n / 1024, collectorCpuMs: (cpuSeconds(pid) - c0) * 1000 };
      // The collector's own memory split, from its self metrics at the end of the text.
      const text = gunzipSync(Buffer.concat(parts)).toString('utf8');
      const raw = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text.slice(-200_000))?.[1]);
      const mb = (name) => raw(name) / 2 ** 20;
      resolve({ ...done, memMB: { rss: mb('process_resident_memory_bytes'), heapUsed: mb('nodejs_heap_size_used_bytes'), heapTotal: mb('nodejs_heap_size_total_bytes'), external: mb('nodejs_external_memory_bytes'), headBytes: mb('hallmonitor_storage_head_bytes'), headSamples: mb('hallmonitor_storage_head_samples') * 2 ** 20, openBuffers: mb('hallmonitor_storage_open_buffers') * 2 ** 20 }, commits: raw('hallmonitor_ingest_commits_total'), batches: raw('hallmonitor_ingest_batches_total') });
    });
  });
  req.on('error', reject);
  req.end();
});
log(`/metrics scrape: ${JSON.stringify(scrape)}`);

let saturation;
for (const k of STEPS) {
  fleet.setInterval(Math.round(INTERVAL / k));
  await sleep(Math.max(20_000, (2 * INTERVAL) / k));
  const row = await measure(STEP_WINDOW, { name: `${AGENTS} agents @ ${(INTERVAL / k / 1000).toFixed(2)} s (≈${AGENTS * k} agents @ ${a.interval})`, k });
  rows.push(row);
  const offered = row.batchesPerSecond;
  // Saturated: one core is busy, acks fall behind (unacked piles up), or latency leaves the target by far.
  if (row.collectorCpuPct >= 90 || row.ackP99 > 1000 || row.unacked > AGENTS * 2 || row.ackCount < offered * (STEP_WINDOW / 1000) * 0.9) {
    saturation = row;
    break;
  }
}

let remoteWrite;
if (prom) {
  const res = await globalThis.fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count({__name__=~".+",target_id!=""})')}`).then((r) => r.json()).catch((e) => ({ error: String(e) }));
  const status = await new Promise((resolve) => {
    httpsRequest(`${collector.url}/api/v1/export`, { ca, checkServerIdentity: () => undefined, headers: { authorization: `Bearer ${viewerKey}` } }, (r) => {
      let t = '';
      r.on('data', (d) => (t += d));
      r.on('end', () => resolve(JSON.parse(t)));
    }).end();
  });
  remoteWrite = { prometheusSeries: res?.data?.result?.[0]?.value?.[1], endpoint: status.remoteWrite[0]?.counters };
  log(`remote write: ${JSON.stringify(remoteWrite)}`);
}

const final = await fleet.stop();
probe.ws.terminate();
await poller?.stop();
await aps?.stop();
await collector.stop();
receiver.close();
if (prom) {
  prom.proc.kill('SIGTERM');
  await new Promise((r) => prom.proc.once('exit', r));
}
log('measuring bytes per sample of this metric set in the storage engine …');
const bps = measureBytesPerSample({ hosts: 100, hours: 4, intervalMs: INTERVAL, series: SERIES });

const f = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const main = rows[0];
const samplesPerDay = main.samplesPerSecond * 86_400;
const bytesPerDay = samplesPerDay * bps.usedBytesPerSample;
console.log(`\n## Capacity run — ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}`);
console.log(`\nCommand: node scripts/bench/fleet/index.mjs ${process.argv.slice(2).join(' ')}`);
console.log(`Fleet: ${AGENTS} simulated agents × ${SERIES} series, ${Number(a.procs)} sim processes, clock skew on, ${a.disconnects} disconnects and ${a.restarts} restarts per agent-hour; TLS on; default rules + 1 probe rule${aps ? `; ${APS} simulated UniFi APs (one snmpsimd) in the collector's devices section, polled every ${a['ap-poll']} by one real agent ("${a['ap-poller']}", ping ${a['ap-ping']})` : ''}. Connect (ramp) time: ${f(connectSeconds)} s.\n`);
console.log('| load | samples/s | collector CPU % of a core | RSS MB (median / max) | ack p50 / p99 ms | fleet page p50 / p95 ms | alert p50 / p99 ms (n) | DB file growth MB/min (head log) | collector disk writes MB/min | sim CPU % | other CPU % | machine busy % |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.label.name} | ${f(r.samplesPerSecond)} | ${f(r.collectorCpuPct, 1)} | ${f(r.rssMedianMB)} / ${f(r.rssMaxMB)} | ${f(r.ackP50, 1)} / ${f(r.ackP99, 1)} | ${f(r.pageP50, 1)} / ${f(r.pageP95, 1)} | ${f(r.alertP50, 1)} / ${f(r.alertP99, 1)} (${r.alertsReceived}/${r.alertsSent}) | ${f((r.dbGrowthBytesPerSecond * 60) / 2 ** 20, 1)} | ${f((r.diskWriteBytesPerSecond * 60) / 2 ** 20, 1)} | ${f(r.simCpuPct)} | ${f(r.otherCpuPct)} | ${f(r.machineBusyPct)} |`);
}
console.log(`\nFleet page: ${main.pageCount} requests, ${f(main.pageKB)} KB each${main.aps ? ` (${main.aps.pageTargets} targets, ${main.aps.pageAps} of them the simulated APs, ${main.aps.pageApsUp} up)` : ''}. One /metrics scrape of the whole fleet: ${f(scrape.ms)} ms, ${f(scrape.gzipKB)} KB gzipped, ${f(scrape.collectorCpuMs)} ms collector CPU.`);
console.log(`Ingest commits: ${f(scrape.batches / scrape.commits, 1)} batches per transaction (fsync) over the run (${scrape.commits} commits, ${scrape.batches} batches).`);
console.log(`Collector memory at that scrape: RSS ${f(scrape.memMB.rss)} MB = V8 heap ${f(scrape.memMB.heapUsed)} MB used of ${f(scrape.memMB.heapTotal)} MB reserved, ${f(scrape.memMB.external)} MB external (buffers, arena slabs), the rest native (TLS, SQLite, code). Open buffers: ${f(scrape.memMB.openBuffers)} holding ${f(scrape.memMB.headSamples)} samples in ${f(scrape.memMB.headBytes)} MB of arena slabs.`);
{
  // Only those inside the main window count for it; all are listed.
  const c = collector.compactions();
  const freed = c.map((x) => x.rssMb[0] - x.rssMb[1]);
  console.log(
    c.length
      ? `Heap compactions (heap-release.ts) during the run: ${c.length}; event-loop pause p50 ${f(median(c.map((x) => x.ms)))} ms, max ${f(Math.max(...c.map((x) => x.ms)))} ms; RSS given back p50 ${f(median(freed))} MB; ` +
          c.map((x) => `${new Date(x.at).toISOString().slice(11, 16)}Z heap ${x.heapTotalMb[0]}→${x.heapTotalMb[1]} MB, RSS ${x.rssMb[0]}→${x.rssMb[1]} MB (${x.ms} ms)`).join('; ') + '.'
      : 'Heap compactions (heap-release.ts) during the run: none.',
  );
}
console.log(`Database growth at ${AGENTS} agents: ${f(samplesPerDay / 1e6)} M samples/day × ${f(bps.usedBytesPerSample, 2)} bytes/sample on disk ≈ ${f(bytesPerDay / 2 ** 30, 2)} GiB/day until raw retention (14 d default) starts deleting; chunk payload ${f(bps.bytesPerSample, 2)} bytes/sample, rollups +${f(bps.rollupFraction * 100)}% (measured on this metric set in the collector's storage engine: ${bps.samples.toLocaleString()} samples, 100 hosts × 4 h, sealed and rolled up).`);
console.log(
  saturation
    ? `Saturation: at ${f(saturation.samplesPerSecond)} samples/s (${saturation.label.name}) — collector CPU ${f(saturation.collectorCpuPct)}%, ack p99 ${f(saturation.ackP99)} ms, unacked ${saturation.unacked}.`
    : `No saturation up to ${f(rows[rows.length - 1].samplesPerSecond)} samples/s.`,
);
if (main.aps) {
  const m = main.aps;
  console.log(
    `APs: ${m.pageAps}/${APS} simulated APs on the fleet page as AP targets (${m.pageApsUp} up), all reported with data ${f(apInfo.reportedSeconds)} s after the poller connected; ` +
      `${apInfo.series.total} AP series (${apInfo.series.perAp.min === apInfo.series.perAp.max ? apInfo.series.perAp.min : `${apInfo.series.perAp.min}–${apInfo.series.perAp.max}`} per AP) ≈ ${f(apInfo.series.total / (AP_POLL / 1000), 1)} samples/s at one poll per ${a['ap-poll']} (not in the samples/s column); ` +
      `poll cycle start → all AP samples stored at the collector: ${cycleMs.length ? `p50 ${f(median(cycleMs) / 1000, 1)} s, max ${f(Math.max(...cycleMs) / 1000, 1)} s (${cycleMs.length} cycle${cycleMs.length === 1 ? '' : 's'} in warm-up + main window)` : 'no full cycle observed (warm-up + window shorter than --ap-poll)'}; ` +
      `main window: poller agent CPU ${f(m.pollerCpuPct, 1)}% of a core (${f(m.pollerCpuMsPerPoll)} ms per ${a['ap-poll']}, host collection and ping children included), RSS ${f(m.pollerRssMB)} MB; snmpsimd CPU ${f(m.snmpsimCpuPct, 1)}% (both inside "other CPU"). ` +
      `The agent does not report its own poll duration; the cycle time is read from the stored samples' timestamps.`,
  );
}
if (remoteWrite) console.log(`Remote write to Prometheus during the run: ${JSON.stringify(remoteWrite)}`);
console.log(`Sim totals: ${JSON.stringify(final.counters)}`);
if (a.json) writeFileSync(a.json, JSON.stringify({ rows, scrape, bps, saturation, remoteWrite, connectSeconds, ...(aps ? { aps: { count: APS, poll: a['ap-poll'], ping: a['ap-ping'], ...apInfo, cycleMs } } : {}) }, null, 2));
if (!a.keep) rmSync(dir, { recursive: true, force: true });
process.exit(0);
