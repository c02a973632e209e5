import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { COLLECTOR_BIN, REPO_ROOT, apiRequest, runCommand, startProcess, waitFor, type RunningProcess } from '../support/processes.js';

/*
 * Helpers shared by the fault tests: a collector process on a fixed port (so
 * agents can find it again after a restart), enrollment in bulk, the fleet
 * process, and direct read-only access to the database for integrity checks.
 */

export const FLEET_BIN = join(REPO_ROOT, 'test', 'support', 'fleet.mjs');

/** The fleet stamps batch `seq` at t0 + seq seconds. */
export function tsOf(t0: number, seq: number): number {
  return t0 + seq * 1000;
}

export interface Workspace {
  readonly dir: string;
  cleanup(): void;
}

export function workspace(prefix: string): Workspace {
  const dir = mkdtempSync(join(os.tmpdir(), `hm-fault-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A free TCP port on 127.0.0.1 (bound and released; the tests start their server right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface CollectorSpec {
  readonly dataDir: string;
  readonly configFile: string;
  readonly port: number;
  readonly url: string;
}

export function collectorSpec(dir: string, port: number, dataDir = join(dir, 'collector data')): CollectorSpec {
  mkdirSync(dataDir, { recursive: true });
  const configFile = join(dir, 'collector.yaml');
  // TLS off: these tests are about durability, and key generation would only slow restarts.
  writeFileSync(configFile, [`listen: 127.0.0.1:${port}`, 'tls: { mode: off }', 'log: { level: warn }', ''].join('\n'));
  return { dataDir, configFile, port, url: `http://127.0.0.1:${port}` };
}

export async function startCollector(spec: CollectorSpec): Promise<RunningProcess> {
  const p = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', spec.configFile, '--data-dir', spec.dataDir]);
  await waitFor(async () => ((await apiRequest(`${spec.url}/healthz`)).status === 200 ? true : undefined), 30_000, 'collector healthz');
  return p;
}

export async function collectorCli(spec: CollectorSpec, args: readonly string[]): Promise<string> {
  const res = await runCommand(process.execPath, [COLLECTOR_BIN, ...args, '--config', spec.configFile, '--data-dir', spec.dataDir]);
  if (res.code !== 0) throw new Error(`collector ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

export interface EnrolledAgent {
  readonly agentId: string;
  readonly credential: string;
  readonly targetId: string;
}

/** Enrolls `n` agents through the public API with one multi-use token. */
export async function enrollMany(spec: CollectorSpec, n: number, prefix = 'fleet'): Promise<EnrolledAgent[]> {
  const { token } = JSON.parse(await collectorCli(spec, ['token', 'create', '--uses', String(n), '--json'])) as { token: string };
  const out: EnrolledAgent[] = [];
  for (let i = 0; i < n; i++) {
    const res = await apiRequest(`${spec.url}/api/v1/enroll`, { method: 'POST', body: { token, hostname: `${prefix}-${i}` } });
    if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.json)}`);
    const b = res.json as { agentId: string; credential: string; targetId: string };
    out.push({ agentId: b.agentId, credential: b.credential, targetId: b.targetId });
  }
  return out;
}

export async function apiKey(spec: CollectorSpec, role = 'viewer'): Promise<string> {
  return (JSON.parse(await collectorCli(spec, ['apikey', 'create', '--role', role, '--json'])) as { key: string }).key;
}

export interface FleetReport {
  readonly report: number;
  readonly agentId: string;
  readonly state: string;
  readonly acked: number;
  readonly nextSeq: number;
  readonly queued: number;
  readonly bytes: number;
  readonly segments: number;
  readonly gaps: number;
  readonly repair: { quarantinedRecords: number; quarantinedBytes: number; tornTails: number; quarantinedFiles: number };
  readonly stats: { inOrderBatches: number; liveBatches: number; gapsSent: number };
  readonly rss: number;
  readonly heapUsed: number;
  readonly paused: boolean;
  readonly fast: boolean;
  readonly at: number;
}

export interface Fleet {
  readonly proc: RunningProcess;
  /** The newest report line of every agent. */
  latest(): Map<string, FleetReport>;
  /** Every report line so far. */
  all(): FleetReport[];
  waitUntil(check: (reports: FleetReport[]) => boolean, timeoutMs: number, what: string): Promise<FleetReport[]>;
  signal(sig: NodeJS.Signals): void;
}

export interface FleetConfig {
  readonly url: string;
  readonly agents: ReadonlyArray<EnrolledAgent & { readonly spoolDir: string }>;
  readonly intervalMs: number;
  readonly samplesPerBatch: number;
  readonly t0: number;
  readonly spool: { readonly maxBytes: number; readonly maxAgeMs: number; readonly segmentBytes?: number; readonly fsync?: 'always' | 'never' };
  readonly drain?: { readonly windowBatches?: number; readonly samplesPerSecond?: number };
  readonly backoff?: { readonly baseMs: number; readonly capMs: number; readonly fatalMs: number };
  readonly reportMs?: number;
  readonly stallTimeoutMs?: number;
  readonly fastIntervalMs?: number;
  readonly poisonEvery?: number;
}

export function startFleet(cfg: FleetConfig): Fleet {
  const proc = startProcess(process.execPath, [FLEET_BIN], { FLEET_CONFIG: JSON.stringify(cfg) });
  const parse = (): FleetReport[] =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{"report"'))
      .map((l) => JSON.parse(l) as FleetReport);
  const latest = (): Map<string, FleetReport> => {
    const m = new Map<string, FleetReport>();
    for (const r of parse()) m.set(r.agentId, r);
    return m;
  };
  return {
    proc,
    latest,
    all: parse,
    async waitUntil(check, timeoutMs, what) {
      return waitFor(async () => {
        if (proc.child.exitCode !== null) throw new Error(`fleet exited: ${proc.output().slice(-2000)}`);
        const reports = [...latest().values()];
        return reports.length === cfg.agents.length && check(reports) ? reports : undefined;
      }, timeoutMs, what);
    },
    signal(sig) {
      proc.child.kill(sig);
    },
  };
}

interface SqliteDb {
  prepare(sql: string): { get(...args: unknown[]): unknown; all(...args: unknown[]): unknown[] };
  pragma(sql: string, opts?: { simple: boolean }): unknown;
  close(): void;
}
type SqliteCtor = new (file: string, opts?: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDb;

/** The collector's own better-sqlite3, so the tests need no SQLite of their own. */
export function openDb(dataDir: string, readonly = true): SqliteDb {
  const Database = createRequire(join(REPO_ROOT, 'collector', 'package.json'))('better-sqlite3') as SqliteCtor;
  return new Database(join(dataDir, 'hallmonitor.db'), { readonly, fileMustExist: true });
}

/** PRAGMA integrity_check on a stopped collector's database (opened read-write so the WAL is recovered). */
export function integrityCheck(dataDir: string): string {
  const db = openDb(dataDir, false);
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

export interface SeriesPoint {
  readonly k: string;
  readonly ts: number;
  readonly value: number;
}

/** Every fault_value point of a target, through the API (whatever storage engine is behind it). */
export async function faultPoints(url: string, key: string, targetId: string, fromMs: number, toMs: number): Promise<SeriesPoint[]> {
  const res = await apiRequest(`${url}/api/v1/hosts/${targetId}/series?metric=fault_value&from=${fromMs}&to=${toMs}`, { key });
  if (res.status !== 200) throw new Error(`series: ${res.status} ${JSON.stringify(res.json)}`);
  const series = (res.json as { series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }> }).series;
  return series.flatMap((s) => s.points.map(([ts, value]) => ({ k: s.labels.k ?? '', ts, value })));
}

/**
 * The exactly-once check: for each series, one point per sequence 1..acked
 * (value = sequence, timestamp = t0 + sequence seconds), nothing twice. Returns a
 * summary, or throws naming the first problem.
 */
export function checkExactlyOnce(points: readonly SeriesPoint[], acked: number, samplesPerBatch: number, t0: number, skip: (seq: number) => boolean = () => false): { stored: number; expected: number } {
  const seen = new Map<string, number>();
  for (const p of points) {
    const key = `${p.k}/${p.value}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (p.ts !== tsOf(t0, p.value)) throw new Error(`point ${key} has timestamp ${p.ts}, expected ${tsOf(t0, p.value)}`);
  }
  let expected = 0;
  for (let seq = 1; seq <= acked; seq++) {
    if (skip(seq)) continue;
    for (let k = 0; k < samplesPerBatch; k++) {
      expected++;
      const n = seen.get(`${k}/${seq}`) ?? 0;
      if (n !== 1) throw new Error(`sample k=${k} seq=${seq} stored ${n} times (acked through ${acked})`);
    }
  }
  for (const [key, n] of seen) if (n > 1) throw new Error(`sample ${key} stored ${n} times`);
  return { stored: points.length, expected };
}
