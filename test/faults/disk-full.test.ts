import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRequest, type RunningProcess } from '../support/processes.js';
import { apiKey, checkExactlyOnce, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, startFleet, workspace, type Fleet, tsOf } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const AGENTS = 4;
const PER_BATCH = 50;

function run(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Fills the file system at `dir` until it refuses another byte; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/*
 * Catalogue item 4: the collector's data directory is a 48 MiB ext4 image
 * (loop-mounted; needs root, skipped otherwise), filled to the last byte while
 * agents report. Acks must stop (nothing acknowledged that is not durable),
 * reads keep working, the process keeps running; when space returns ingest
 * resumes by itself, nothing acknowledged is missing or doubled, and the
 * database passes integrity_check.
 */
describe('collector disk full', () => {
  const ws = workspace('diskfull');
  const mnt = join(ws.dir, 'mnt');
  let mounted = false;
  let collector: RunningProcess | undefined;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.proc.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    if (mounted) run('umount', ['-l', mnt]);
    ws.cleanup();
  });

  it('stops acking, keeps serving reads, and resumes when space returns', async (ctx) => {
    const img = join(ws.dir, 'disk.img');
    mkdirSync(mnt);
    mounted = typeof process.getuid === 'function' && process.getuid() === 0 && run('truncate', ['-s', '48M', img]) && run('mkfs.ext4', ['-q', '-F', img]) && run('mount', ['-o', 'loop', img, mnt]);
    if (!mounted) return ctx.skip();

    const spec = collectorSpec(ws.dir, await freePort(), join(mnt, 'collector data'));
    collector = await startCollector(spec);
    const agents = await enrollMany(spec, AGENTS, 'full');
    const key = await apiKey(spec);
    const t0 = Date.now() - 6 * 3_600_000;
    fleet = startFleet({
      url: spec.url,
      agents: agents.map((a) => ({ ...a, spoolDir: join(ws.dir, 'spool', a.agentId) })),
      intervalMs: 25,
      samplesPerBatch: PER_BATCH,
      t0,
      spool: { maxBytes: 64 * 1024 * 1024, maxAgeMs: 86_400_000, fsync: 'always' },
      drain: { samplesPerSecond: 20_000 },
      backoff: { baseMs: 200, capMs: 1000, fatalMs: 5000 },
      reportMs: 200,
    });
    await fleet.waitUntil((rs) => rs.every((r) => r.acked > 10), 30_000, 'agents acked');

    const filler = join(mnt, 'filler');
    const filled = fill(filler);
    // Acks must stop: no agent's acknowledged sequence moves for 3 s.
    let last = '';
    let stableSince = Date.now();
    const deadline = Date.now() + 60_000;
    while (Date.now() - stableSince < 3000) {
      if (Date.now() > deadline) throw new Error('acks never stopped on a full disk');
      fill(`${filler}-${Date.now()}`); // SQLite may free pages it can reuse; keep the disk full
      const now = JSON.stringify([...fleet.latest().values()].map((r) => r.acked));
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      }
      await sleep(200);
    }
    const stalled = new Map([...fleet.latest().values()].map((r) => [r.agentId, r.acked]));
    expect(collector.child.exitCode).toBeNull();
    expect(collector.output()).toMatch(/ingest commit failed|cannot record agent hello/);
    // Reads keep working on a full disk.
    expect((await apiRequest(`${spec.url}/healthz`)).status).toBe(200);
    const hosts = await apiRequest(`${spec.url}/api/v1/hosts`, { key });
    expect(hosts.status).toBe(200);
    expect(await faultPoints(spec.url, key, agents[0]!.targetId, t0, tsOf(t0, 1_000_000))).not.toHaveLength(0);

    for (const f of [filler]) rmSync(f, { force: true });
    spawnSync('sh', ['-c', `rm -f '${filler}'-*`]);
    await fleet.waitUntil((rs) => rs.every((r) => r.acked > (stalled.get(r.agentId) ?? 0) + 10), 60_000, 'ingest resumed after space returned');

    fleet.signal('SIGUSR1');
    await sleep(300);
    const final = await fleet.waitUntil((rs) => rs.every((r) => r.paused && r.state === 'ready' && r.acked === r.nextSeq - 1), 60_000, 'every agent drained');
    let acked = 0;
    let stored = 0;
    for (const a of agents) {
      const r = final.find((x) => x.agentId === a.agentId)!;
      const res = checkExactlyOnce(await faultPoints(spec.url, key, a.targetId, t0, tsOf(t0, r.nextSeq + 10)), r.acked, PER_BATCH, t0);
      acked += res.expected;
      stored += res.stored;
    }
    expect(stored).toBe(acked);
    await fleet.proc.stop('SIGTERM');
    await collector.stop('SIGKILL');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
    console.log(JSON.stringify({ test: 'disk-full', agents: AGENTS, fillerBytes: filled, ackedAtStall: [...stalled.values()], samplesAcked: acked, samplesStored: stored, integrity: 'ok' }));
  }, 170_000);
});
