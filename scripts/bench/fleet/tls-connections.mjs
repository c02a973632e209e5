#!/usr/bin/env node
// What one agent connection costs the collector's process before any series:
// a bare WebSocket server (the `ws` the collector uses, no Hallmonitor code)
// with N idle-ish clients sending one 60-sample batch every 15 s, over TLS
// and over plain TCP, side by side in one run. Prints the server's RSS, V8
// heap and the difference per connection. Run from the repo root:
//   node scripts/bench/fleet/tls-connections.mjs [--connections 5000] [--settle 40s]
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { parseDuration } from '@hallmonitor/shared';

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
  const batch = JSON.stringify({ type: 'metrics', seq: 1, samples: Array.from({ length: 60 }, (_, i) => ({ name: 'cpu_usage_percent', labels: { core: String(i) }, value: 12.5, timestamp: Date.now() })) });
  const ask = (child) => new Promise((r) => {
    child.once('message', r);
    child.send('mem');
  });

  const measure = async (mode) => {
    const child = fork(self, ['--server', mode, dir], { execArgv: ['--expose-gc'], stdio: 'ignore' });
    const { port } = await new Promise((r) => child.once('message', r));
    const empty = await ask(child);
    const clients = [];
    for (let i = 0; i < N; i++) {
      const ws = new WebSocket(`${mode === 'tls' ? 'wss' : 'ws'}://127.0.0.1:${port}/`, { rejectUnauthorized: false, perMessageDeflate: false });
      ws.on('open', () => {
        ws.send(batch);
        ws.timer = setInterval(() => ws.send(batch), 15_000 + Math.random() * 1000);
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
    return { mode, empty, full };
  };

  const rows = [await measure('tls'), await measure('plain')];
  rmSync(dir, { recursive: true, force: true });
  const mb = (b) => (b / 2 ** 20).toFixed(0);
  console.log(`\n## WebSocket connections in one Node process — ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}\n`);
  console.log(`Command: node scripts/bench/fleet/tls-connections.mjs --connections ${N} --settle ${a.settle}\n`);
  console.log('| transport | connections | RSS MB (empty → full) | V8 heap MB used (full) | RSS per connection KB | of it outside the V8 heap KB |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const per = (r.full.rss - r.empty.rss) / r.full.conns;
    const heapPer = (r.full.heapTotal - r.empty.heapTotal) / r.full.conns;
    console.log(`| ${r.mode === 'tls' ? 'TLS (wss)' : 'plain (ws)'} | ${r.full.conns} | ${mb(r.empty.rss)} → ${mb(r.full.rss)} | ${mb(r.full.heapUsed)} | ${(per / 1024).toFixed(1)} | ${((per - heapPer) / 1024).toFixed(1)} |`);
  }
  const [t, p] = rows;
  console.log(`\nTLS costs ${(((t.full.rss - t.empty.rss) / t.full.conns - (p.full.rss - p.empty.rss) / p.full.conns) / 1024).toFixed(1)} KB more per connection than plain WebSocket (OpenSSL and Node's TLS buffers, outside V8's heap).`);
  process.exit(0);
}
