#!/usr/bin/env node
// What one agent connection costs the collector's process before any series:
// a bare WebSocket server (the `ws` the collector uses, no Hallmonitor code,
// the collector's malloc settings) with N clients sending one 60-sample batch
// every 15 s: plain TCP against TLS, protocol 2's per-sample batches against
// protocol 3's columns, and a reconnect burst of 4 or 32 batches, side by side
// in one run. Prints the server's RSS, V8 heap and the difference per
// connection. Run from the repo root after `pnpm build`:
//   node scripts/bench/fleet/tls-connections.mjs [--connections 5000] [--settle 40s]
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { SeriesDictionary, parseDuration } from '@hallmonitor/shared';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--server') {
  // Child: the server under test; reports its memory when asked.
  const { WebSocketServer } = await import('ws');
  const tls = process.argv[3] === 'tls';
  const dir = process.argv[4];
  const { createServer } = tls ? await import('node:https') : await import('node:http');
  const srv = tls ? createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }) : createServer();
  const wss = new WebSocketServer({ server: srv, perMessageDeflate: false });
  let conns = 0;
  wss.on('connection', (ws) => {
    conns++;
    ws.on('message', () => ws.send('{"type":"ack"}'));
  });
  srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
  process.on('message', () => {
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send({ conns, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external });
  });
} else {
  const { values: a } = parseArgs({ options: { connections: { type: 'string', default: '5000' }, settle: { type: 'string', default: '40s' } } });
  const N = Number(a.connections);
  const settleMs = parseDuration(a.settle);
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-tls-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  // One round of the fleet's 60 series, as protocol 2 sent it and as protocol 3 sends it once its series are defined.
  const round = Array.from({ length: 60 }, (_, i) => ({ name: i % 2 ? 'disk_used_percent' : 'network_receive_bytes_per_second', labels: i % 2 ? { mount: `/m${i}` } : { interface: `eth${i}` }, value: 1234.56 + i, timestamp: Date.now() }));
  const perSample = JSON.stringify({ v: 2, type: 'metrics', epoch: 'k3J9xQm2Lr8Tz1Ab', seq: 1, samples: round });
  const dict = new SeriesDictionary();
  dict.encode('k3J9xQm2Lr8Tz1Ab', 1, round);
  const columns = JSON.stringify(dict.encode('k3J9xQm2Lr8Tz1Ab', 2, round));
  const ask = (child) => new Promise((r) => {
    child.once('message', r);
    child.send('mem');
  });

  // The server runs with the collector's malloc settings (runtime-tuning.ts), as the collector does.
  const { COLLECTOR_ENV } = await import(pathToFileURL(join(fileURLToPath(new URL('../../..', import.meta.url)), 'collector', 'dist', 'service', 'runtime-tuning.js')).href);
  const measure = async ({ label, mode, message, burst }) => {
    const child = fork(self, ['--server', mode, dir], { execArgv: ['--expose-gc'], stdio: 'ignore', env: { ...process.env, ...COLLECTOR_ENV } });
    const { port } = await new Promise((r) => child.once('message', r));
    const empty = await ask(child);
    const clients = [];
    for (let i = 0; i < N; i++) {
      const ws = new WebSocket(`${mode === 'tls' ? 'wss' : 'ws'}://127.0.0.1:${port}/`, { rejectUnauthorized: false, perMessageDeflate: false });
      ws.on('open', () => {
        // A reconnecting agent resends what waited in its spool: `burst` batches back to back.
        for (let k = 0; k < burst; k++) ws.send(message);
        ws.timer = setInterval(() => ws.send(message), 15_000 + Math.random() * 1000);
      });
      ws.on('error', () => {});
      clients.push(ws);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, settleMs));
    const full = await ask(child);
    for (const ws of clients) {
      clearInterval(ws.timer);
      ws.terminate();
    }
    child.kill();
    return { label, mode, bytes: Buffer.byteLength(message), burst, empty, full };
  };

  const rows = [];
  for (const r of [
    { label: 'plain ws, protocol 3 batches', mode: 'plain', message: columns, burst: 1 },
    { label: 'TLS, protocol 2 batches', mode: 'tls', message: perSample, burst: 1 },
    { label: 'TLS, protocol 3 batches', mode: 'tls', message: columns, burst: 1 },
    { label: 'TLS, protocol 3, 4 batches at connect (agent drain window now)', mode: 'tls', message: columns, burst: 4 },
    { label: 'TLS, protocol 3, 32 batches at connect (drain window before)', mode: 'tls', message: columns, burst: 32 },
  ]) rows.push(await measure(r));
  rmSync(dir, { recursive: true, force: true });
  const mb = (b) => (b / 2 ** 20).toFixed(0);
  console.log(`\n## WebSocket connections in one Node process — ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}\n`);
  console.log(`Command: node scripts/bench/fleet/tls-connections.mjs --connections ${N} --settle ${a.settle} (server with the collector's malloc settings)\n`);
  console.log('| connection | message bytes | batches at connect | connections | RSS MB (empty → full) | V8 heap MB used (full) | RSS per connection KB | of it outside the V8 heap KB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const per = (r.full.rss - r.empty.rss) / r.full.conns;
    const heapPer = (r.full.heapTotal - r.empty.heapTotal) / r.full.conns;
    console.log(`| ${r.label} | ${r.bytes} | ${r.burst} | ${r.full.conns} | ${mb(r.empty.rss)} → ${mb(r.full.rss)} | ${mb(r.full.heapUsed)} | ${(per / 1024).toFixed(1)} | ${((per - heapPer) / 1024).toFixed(1)} |`);
  }
  process.exit(0);
}
