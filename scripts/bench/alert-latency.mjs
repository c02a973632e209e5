#!/usr/bin/env node
// Alert latency: from sending the sample that breaches a `for: 0s` rule to the
// signed webhook arriving at a local receiver, with N agents connected and
// reporting in the background. Run from the repo root after `pnpm build`:
//   node scripts/bench/alert-latency.mjs [--agents 1000] [--alerts 300]
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const AGENTS = Number(args.agents ?? 1000);
const ALERTS = Number(args.alerts ?? 300);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'collector', 'bin', 'hallmonitor-collector.js');
const dir = mkdtempSync(join(os.tmpdir(), 'hm-bench-alert-'));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const arrivals = new Map();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const at = performance.now();
    try {
      const n = JSON.parse(body);
      if (n.status === 'firing') for (const a of n.alerts) arrivals.set(a.labels.probe, at);
    } catch {
      // not JSON: ignored
    }
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

const config = join(dir, 'collector.yaml');
writeFileSync(config, `listen: 127.0.0.1:0
log: { level: info }
limits: { connectionsPerIp: 100000, apiRequestsPerSecondPerIp: 100000, apiBurstPerIp: 100000 }
ruleFiles: []
agents: { interval: 15s }
notifiers:
  - { name: bench, type: webhook, url: "${hook}", secret: ${SECRET}, allowPrivateNetwork: true }
rules:
  - { name: probe, metric: bench_probe, op: ">", threshold: 4, for: 0s, severity: critical, notify: [bench] }
`);
const data = join(dir, 'data');
const collector = spawn(process.execPath, [bin, 'serve', '--config', config, '--data-dir', data], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
const url = await new Promise((resolve, reject) => {
  collector.stdout.on('data', (d) => {
    out += d;
    const line = out.split('\n').find((l) => l.includes('collector listening'));
    if (line) resolve(JSON.parse(line).url);
  });
  collector.once('exit', (c) => reject(new Error(`collector exited ${c}`)));
});
const ca = readFileSync(join(data, 'tls', 'ca.pem'), 'utf8');
const tls = { ca, checkServerIdentity: () => undefined };
const { token } = JSON.parse(execFileSync(process.execPath, [bin, 'token', 'create', '--config', config, '--data-dir', data, '--uses', String(AGENTS), '--json'], { encoding: 'utf8' }));

async function enroll(i) {
  const res = await fetchJson(`${url}/api/v1/enroll`, { token, hostname: `bench-${i}` });
  return `${res.agentId}.${res.credential}`;
}
import https from 'node:https';
function fetchJson(u, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(u, { method: 'POST', headers: { 'content-type': 'application/json' }, ...tls }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(t)) : reject(new Error(t))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

console.log(`enrolling and connecting ${AGENTS} agents …`);
const sockets = [];
for (let i = 0; i < AGENTS; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, AGENTS - i) }, (_, k) => enroll(i + k)));
  await Promise.all(
    batch.map(
      (bearer) =>
        new Promise((resolve, reject) => {
          const agentId = bearer.split('.')[0];
          const ws = new WebSocket(url.replace('https', 'wss') + '/api/v1/agent/ws', { headers: { authorization: `Bearer ${bearer}` }, perMessageDeflate: false, ...tls });
          const s = { ws, seq: 0, agentId };
          ws.on('open', () => ws.send(JSON.stringify({ v: 1, type: 'hello', agentId, agentVersion: 'bench', protocolVersion: 1, epoch: 'bench', facts: { hostname: agentId, os: 'bench', kernel: 'k', arch: 'x64' } })));
          ws.on('message', (m) => {
            if (JSON.parse(String(m)).type === 'welcome') resolve(sockets.push(s));
          });
          ws.on('error', reject);
        }),
    ),
  );
}
const send = (s, samples) => s.ws.send(JSON.stringify({ v: 1, type: 'metrics', epoch: 'bench', seq: ++s.seq, samples }));
// Background load: every agent reports ~60 series every 15 s, spread evenly.
const bg = setInterval(() => {
  const now = Date.now();
  for (let k = 0; k < Math.ceil(AGENTS / 150); k++) {
    const s = sockets[Math.floor(Math.random() * sockets.length)];
    send(s, Array.from({ length: 60 }, (_, j) => ({ name: 'bench_load', labels: { j: String(j) }, value: Math.random() * 100, timestamp: now })));
  }
}, 100);

console.log(`connected; firing ${ALERTS} alerts …`);
const sent = new Map();
for (let n = 0; n < ALERTS; n++) {
  const s = sockets[n % sockets.length];
  const probe = String(n);
  sent.set(probe, performance.now());
  send(s, [{ name: 'bench_probe', labels: { probe }, value: 9, timestamp: Date.now() }]);
  await new Promise((r) => setTimeout(r, 20));
}
const deadline = Date.now() + 30_000;
while (arrivals.size < ALERTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
clearInterval(bg);

const lat = [...sent].filter(([p]) => arrivals.has(p)).map(([p, t]) => arrivals.get(p) - t).sort((a, b) => a - b);
const q = (f) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
const rssKb = Number(readFileSync(`/proc/${collector.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
console.log('\n| agents connected | alerts sent | webhooks received | p50 ms | p99 ms | max ms | collector RSS MB |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| ${sockets.length} | ${ALERTS} | ${lat.length} | ${q(0.5).toFixed(1)} | ${q(0.99).toFixed(1)} | ${lat[lat.length - 1].toFixed(1)} | ${(rssKb / 1024).toFixed(0)} |`);
console.log(`\ntarget: p99 ≤ 250 ms — ${q(0.99) <= 250 ? 'met' : 'NOT met'}`);

for (const s of sockets) s.ws.terminate();
collector.kill('SIGTERM');
receiver.close();
await new Promise((r) => collector.once('exit', r));
rmSync(dir, { recursive: true, force: true });
