#!/usr/bin/env node
// A host page through the HTTP API: ~20 series over 7 days, as the dashboard
// asks for them (one request per metric, in parallel, step 900 s; and 300 s),
// plus one series over 24 h raw. Data: 7 days at 15 s, written through the real
// storage engine, then sealed and rolled up. Run after `pnpm build`:
//   node scripts/bench/host-page.mjs [--rounds 40]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, resolveConfig } from '@hallmonitor/collector';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 40) || 40;
const dir = mkdtempSync(join(os.tmpdir(), 'hm-bench-host-'));
const DAY = 86_400_000;
const now = Date.now();
const config = resolveConfig({ listen: '127.0.0.1:0', tls: { mode: 'off' }, ruleFiles: [], limits: { apiRequestsPerSecondPerIp: 100000, apiBurstPerIp: 100000 } }, 'bench', { dataDir: dir });
const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
const url = await app.listen();
const target = app.ctx.targets.create({ name: 'bench-host', kind: 'host', site: 'bench', now });
const key = app.ctx.apiKeys.create('viewer').key;

// 20 series like a lab PC's page: cpu, load, memory ×3, swap, uptime, temperature, 3 disks ×3, network ×2 × 2 interfaces.
const metrics = [
  ['cpu_usage_percent', {}], ['load1', {}], ['memory_used_percent', {}], ['memory_available_bytes', {}], ['swap_used_percent', {}],
  ['uptime_seconds', {}], ['cpu_temperature_celsius', {}],
  ['disk_used_percent', { mount: '/' }], ['disk_used_percent', { mount: '/home' }], ['disk_free_bytes', { mount: '/' }], ['disk_free_bytes', { mount: '/home' }],
  ['disk_total_bytes', { mount: '/' }], ['disk_total_bytes', { mount: '/home' }],
  ['network_receive_bytes_per_second', { interface: 'eth0' }], ['network_receive_bytes_per_second', { interface: 'wlan0' }],
  ['network_transmit_bytes_per_second', { interface: 'eth0' }], ['network_transmit_bytes_per_second', { interface: 'wlan0' }],
  ['patch_pending_updates', {}], ['memory_total_bytes', {}], ['load5', {}],
];
const store = app.ctx.store;
const t0 = now - 7 * DAY;
const step = 15_000;
let written = 0;
const started = performance.now();
for (let t = t0; t < now; t += 3_600_000) {
  const batch = [];
  for (let ts = t; ts < Math.min(now, t + 3_600_000); ts += step) {
    const jitter = Math.floor(Math.random() * 400);
    metrics.forEach(([metric, labels], i) => batch.push({ metric, labels, ts: ts + jitter, value: i % 3 === 0 ? Math.round(Math.random() * 10_000) / 100 : 1e9 + i * 1e6 + Math.floor(Math.random() * 1e4) }));
  }
  app.db.transaction(() => store.append(target.id, batch))();
  written += batch.length;
  for (let k = 0; k < 50 && store.runMaintenance(t + 3_600_000).more; k++);
}
for (let k = 0; k < 10_000 && store.runMaintenance(now).more; k++);
console.log(`wrote ${written.toLocaleString()} samples (20 series × 7 d at 15 s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const get = async (path) => {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
};
const names = [...new Set(metrics.map(([m]) => m))];
const page = (stepS) => Promise.all(names.map((m) => get(`/api/v1/hosts/${target.id}/series?metric=${m}&from=${new Date(now - 7 * DAY).toISOString()}&to=${new Date(now).toISOString()}&step=${stepS}`)));
const q = (xs, f) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
async function measure(label, fn) {
  await fn();
  const ms = [];
  let points = 0;
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    const r = await fn();
    ms.push(performance.now() - s);
    points = JSON.stringify(r).length;
  }
  console.log(`| ${label} | ${rounds} | ${q(ms, 0.5).toFixed(1)} | ${q(ms, 0.95).toFixed(1)} | ${(points / 1024).toFixed(0)} KiB |`);
  return q(ms, 0.95);
}
console.log('\n| request | rounds | median ms | p95 ms | response |');
console.log('|---|---|---|---|---|');
const p900 = await measure(`host page: ${names.length} requests, ${metrics.length} series × 7 d, step 900 s (dashboard)`, () => page(900));
await measure(`host page: ${names.length} requests, ${metrics.length} series × 7 d, step 300 s`, () => page(300));
const one = await measure('one series × 24 h, raw', () => get(`/api/v1/hosts/${target.id}/series?metric=cpu_usage_percent&from=${new Date(now - DAY).toISOString()}&to=${new Date(now).toISOString()}`));
console.log(`\ntargets: host page p95 ≤ 50 ms — ${p900 <= 50 ? 'met' : 'NOT met'} (${p900.toFixed(1)}); one series 24 h p95 ≤ 5 ms — ${one <= 5 ? 'met' : 'NOT met'} (${one.toFixed(1)}, HTTP included)`);
await app.close();
rmSync(dir, { recursive: true, force: true });
