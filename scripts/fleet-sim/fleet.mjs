// The fleet simulator as a library: enroll N virtual agents through the real
// enrollment API, then run them in a few worker processes (worker.mjs) and
// merge their reports. Used by index.mjs (the CLI) and scripts/bench/fleet.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { addSparse, newHistogram } from './histogram.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const ROLES = ['lab', 'lab', 'lab', 'office', 'classroom', 'classroom', 'library', 'server'];

function postJson(url, body, ca) {
  const u = new URL(url);
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(u, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(ca ? { ca, checkServerIdentity: () => undefined } : {}) }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(t)) : reject(new Error(`enroll: HTTP ${res.statusCode} ${t.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Where simulated agent i sits: `sites` schools, 3 buildings each, rooms of ~30 PCs. */
export function placement(i, sites) {
  const site = `school-${String((i % sites) + 1).padStart(2, '0')}`;
  const k = Math.floor(i / sites);
  return { site, building: `b${(k % 3) + 1}`, room: `r${Math.floor(k / 30) + 100}`, role: ROLES[k % ROLES.length] };
}

/**
 * Enrolls `count` agents with one multi-use token (placing them over `sites`
 * schools), or reuses the credentials saved in `credentialsFile` when it holds
 * enough for this collector.
 */
export async function enrollFleet({ url, ca, token, count, sites = 10, credentialsFile, concurrency = 16, log = () => {} }) {
  if (credentialsFile && existsSync(credentialsFile)) {
    const saved = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    if (saved.url === url && saved.agents.length >= count) return saved.agents.slice(0, count);
  }
  const agents = new Array(count);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) {
      const p = placement(i, sites);
      const name = `${p.site}-${p.role}-${String(i).padStart(5, '0')}`;
      const res = await postJson(`${url}/api/v1/enroll`, { token, hostname: name, name, site: p.site, labels: { building: p.building, room: p.room, role: p.role } }, ca);
      agents[i] = { agentId: res.agentId, credential: res.credential, name, site: p.site, seed: i + 1 };
      if (++done % 1000 === 0) log(`enrolled ${done}/${count}`);
    }
  });
  await Promise.all(workers);
  if (credentialsFile) writeFileSync(credentialsFile, JSON.stringify({ url, agents }), { mode: 0o600 });
  return agents;
}

/**
 * Starts the agents in `procs` worker processes. Options: intervalMs, series
 * (per agent), skew (clock skew on), disconnectsPerHour / restartsPerHour (per
 * agent), maxConnecting (handshakes in flight per process), protocol (the
 * version the agents offer in hello: 3 sends `batch` columns, 2 per-sample
 * `metrics` as older agents do; default the current PROTOCOL_VERSION).
 */
export async function startFleet({ url, ca, agents, procs = 2, intervalMs = 15_000, series = 60, skew = true, disconnectsPerHour = 0, restartsPerHour = 0, maxConnecting = 100, protocol, execArgv = [] }) {
  const run = randomBytes(4).toString('hex');
  const per = Math.ceil(agents.length / procs);
  const workers = [];
  for (let p = 0; p < procs; p++) {
    const slice = agents.slice(p * per, (p + 1) * per).map((a) => ({ ...a, epoch: `sim-${run}-${a.seed}` }));
    if (slice.length === 0) break;
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=2048', ...execArgv] });
    await new Promise((resolve, reject) => {
      child.once('message', (m) => (m.type === 'started' ? resolve() : reject(new Error('worker did not start'))));
      child.once('exit', (c) => reject(new Error(`worker exited ${c}`)));
      child.send({ type: 'start', url, ca, agents: slice, intervalMs, series, skew, disconnectsPerHour, restartsPerHour, maxConnecting, protocol });
    });
    workers.push(child);
  }
  const ask = (type) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            const on = (m) => {
              if (m.type === 'report') {
                w.off('message', on);
                resolve(m);
              }
            };
            w.on('message', on);
            w.send({ type });
          }),
      ),
    );
  const merge = (reports) => {
    const hist = newHistogram();
    const total = { connected: 0, pending: 0, cpuMs: 0, rss: 0, counters: {}, errors: [] };
    for (const r of reports) {
      addSparse(hist, r.hist);
      total.connected += r.connected;
      total.pending += r.pending;
      total.cpuMs += r.cpuMs;
      total.rss += r.rss;
      total.errors.push(...r.errors);
      for (const [k, v] of Object.entries(r.counters)) total.counters[k] = (total.counters[k] ?? 0) + v;
    }
    return { ...total, hist, pids: reports.map((r) => r.pid) };
  };
  return {
    pids: workers.map((w) => w.pid),
    /** Merged stats since the previous report: ack-latency histogram, counters (cumulative), connected agents, sim CPU. */
    report: async () => merge(await ask('report')),
    setInterval: (ms) => workers.forEach((w) => w.send({ type: 'interval', ms })),
    stop: async () => merge(await ask('stop')),
  };
}
