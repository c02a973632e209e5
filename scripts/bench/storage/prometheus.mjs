// Debian's Prometheus as a reference point: the same fleet data is sent
// through its remote-write receiver (the collector's own WriteRequest encoder,
// collector/src/export/remote-write-proto.ts, compressed with the pure-JS
// snappyjs), then its bytes per sample on disk are read from its blocks' meta.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { encodeWriteRequest } from '../../../collector/dist/export/remote-write-proto.js';
import { fleetRounds } from './fleet-data.mjs';

export function prometheusAvailable() {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}

function dirSize(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((sum, f) => sum + dirSize(join(p, f)), 0);
}

async function waitReady(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await globalThis.fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('prometheus did not become ready');
}

export async function runPrometheus(dir, spec, log) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const port = 19_090 + Math.floor(Math.random() * 500);
  const url = `http://127.0.0.1:${port}`;
  const data = join(dir, 'data');
  const proc = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=30d'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    await waitReady(url, 20_000);
    const version = spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    let pending = new Map();
    let sent = 0;
    const flush = async () => {
      if (pending.size === 0) return;
      const body = snappy.compress(encodeWriteRequest([...pending.values()]));
      const res = await globalThis.fetch(`${url}/api/v1/write`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' } });
      if (!res.ok) throw new Error(`remote write ${res.status}: ${(await res.text()).slice(0, 200)}`);
      pending = new Map();
    };
    let rounds = 0;
    for (const round of fleetRounds(spec)) {
      for (const b of round) {
        b.samples.forEach((s, i) => {
          const key = `${b.host}/${i}`;
          let e = pending.get(key);
          if (!e) {
            const labels = [['__name__', s.metric], ['instance', b.host], ...Object.entries(s.labels)].sort((x, y) => (x[0] < y[0] ? -1 : 1));
            e = { labels, samples: [] };
            pending.set(key, e);
          }
          e.samples.push([s.ts, s.value]);
          sent++;
        });
      }
      if (++rounds % 60 === 0) await flush();
    }
    await flush();
    // Let head compaction cut blocks for everything but the newest ~3 h.
    await new Promise((r) => setTimeout(r, 15_000));
    let blockBytes = 0;
    let blockSamples = 0;
    for (const d of readdirSync(data)) {
      const meta = join(data, d, 'meta.json');
      try {
        const m = JSON.parse(readFileSync(meta, 'utf8'));
        blockSamples += m.stats.numSamples;
        blockBytes += dirSize(join(data, d));
      } catch {
        // not a block (wal/, chunks_head/, lock files)
      }
    }
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    const total = dirSize(data);
    log(`prometheus: ${sent} samples sent; blocks hold ${blockSamples}`);
    return { samples: blockSamples, blockBytesPerSample: blockBytes / blockSamples, dirBytesPerSample: total / sent, note: `${version}; whole dir includes the WAL and head of the last hours` };
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${err.message}; ${stderr.split('\n').slice(-3).join(' ')}`);
  }
}
