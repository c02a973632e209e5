import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@hallmonitor/shared';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { COLLECTOR_BIN, apiRequest, runCommand, startProcess, waitFor, type RunningProcess } from '../support/processes.js';

/*
 * Debian's Prometheus and Alertmanager as the district's side of the export
 * tests (`apt-get install prometheus prometheus-alertmanager`; scripts/dev/setup.sh
 * --tests installs them). Each runs on 127.0.0.1 with a temp storage path.
 */

/**
 * A temp directory plus the processes and fake agents a test starts in it, all
 * stopped and removed after the file's tests (call inside `describe`).
 */
export function scratch(name: string): { dir: string; procs: RunningProcess[]; agents: FakeAgent[] } {
  const s = { dir: mkdtempSync(join(os.tmpdir(), `hm ${name} `)), procs: [] as RunningProcess[], agents: [] as FakeAgent[] };
  afterAll(async () => {
    for (const a of s.agents) a.close();
    await Promise.all(s.procs.map((p) => p.stop()));
    rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

export const PROMETHEUS_AVAILABLE = onPath('prometheus');
export const ALERTMANAGER_BIN = onPath('prometheus-alertmanager') ? 'prometheus-alertmanager' : onPath('alertmanager') ? 'alertmanager' : undefined;
export const PROMETHEUS_MISSING = 'prometheus is not installed: run `apt-get install -y prometheus` (or scripts/dev/setup.sh --tests) to run the Prometheus export tests';
export const ALERTMANAGER_MISSING = 'Alertmanager is not installed: run `apt-get install -y prometheus-alertmanager` (or scripts/dev/setup.sh --tests) to run the Alertmanager test';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Collector {
  readonly proc: RunningProcess;
  readonly url: string;
  readonly dataDir: string;
  readonly configFile: string;
  cli(args: readonly string[]): Promise<Record<string, string>>;
}

/** The real collector binary (TLS off: the district side talks plain HTTP on loopback here). */
export async function startCollector(dir: string, yaml: string): Promise<Collector> {
  const dataDir = join(dir, 'collector data');
  const configFile = join(dir, 'collector.yaml');
  writeFileSync(configFile, `listen: 127.0.0.1:0\ntls: { mode: off }\nruleFiles: []\n${yaml}`);
  const proc = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', configFile, '--data-dir', dataDir]);
  const line = await proc.waitForLine(/"msg":"collector listening"/);
  const url = (JSON.parse(line) as { url: string }).url;
  return {
    proc,
    url,
    dataDir,
    configFile,
    async cli(args) {
      const r = await runCommand(process.execPath, [COLLECTOR_BIN, ...args, '--config', configFile, '--data-dir', dataDir, '--json']);
      if (r.code !== 0) throw new Error(`collector ${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, string>;
    },
  };
}

export interface FakeAgent {
  readonly targetId: string;
  send(samples: Array<{ name: string; labels?: Record<string, string>; value: number; timestamp?: number }>): Promise<void>;
  close(): void;
}

/** Enrolls through the API and speaks the real protocol over WebSocket; send() resolves on the ack. */
export async function connectAgent(c: Collector, token: string, spec: { name: string; site: string; labels?: Record<string, string> }): Promise<FakeAgent> {
  const res = await apiRequest(`${c.url}/api/v1/enroll`, { method: 'POST', body: { token, hostname: spec.name, name: spec.name, site: spec.site, ...(spec.labels ? { labels: spec.labels } : {}) } });
  if (res.status !== 200) throw new Error(`enroll: ${res.status} ${JSON.stringify(res.json)}`);
  const { agentId, credential, targetId } = res.json as { agentId: string; credential: string; targetId: string };
  const ws = new WebSocket(`${c.url.replace(/^http/, 'ws')}/api/v1/agent/ws`, { headers: { authorization: `Bearer ${agentId}.${credential}` }, perMessageDeflate: false });
  const acks = new Map<number, () => void>();
  let seq = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', agentId, agentVersion: 'test', protocolVersion: PROTOCOL_VERSION, epoch: 'prom-test', facts: { hostname: spec.name, os: 'Debian', kernel: '6.1', arch: 'x64' } })));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; seq?: number };
      if (m.type === 'welcome') resolve();
      if (m.type !== 'ack') return;
      for (const [s, done] of acks) {
        if (s > (m.seq ?? 0)) continue;
        acks.delete(s);
        done();
      }
    });
    ws.on('error', reject);
  });
  return {
    targetId,
    send(samples) {
      const s = ++seq;
      return new Promise((resolve) => {
        acks.set(s, resolve);
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'metrics', epoch: 'prom-test', seq: s, samples: samples.map((x) => ({ labels: {}, timestamp: Date.now(), ...x })) }));
      });
    },
    close: () => ws.close(),
  };
}

export interface Prometheus {
  readonly proc: RunningProcess;
  readonly url: string;
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
}

export async function startPrometheus(dir: string, opts: { port: number; config: string; remoteWriteReceiver?: boolean }): Promise<Prometheus> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), opts.config);
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = startProcess('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${opts.port}`,
    ...(opts.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
  ]);
  await waitFor(async () => ((await globalThis.fetch(`${url}/-/ready`)).ok ? true : undefined), 30_000, 'prometheus ready');
  return {
    proc,
    url,
    async query(q) {
      const res = (await (await globalThis.fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (res.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(res)}`);
      return res.data.result;
    },
  };
}
