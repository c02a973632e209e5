import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, apiRequest, startProcess, waitFor, type RunningProcess } from '../support/processes.js';
import { apiKey, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, startFleet, workspace, type FleetReport, tsOf } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PER_BATCH = 10;

interface Gap {
  fromSeq: number;
  toSeq: number;
  reason: string;
  droppedBatches: number;
}

/*
 * Catalogue item 3: an agent killed with SIGKILL while appending to its spool
 * (every 2 ms, fsync on), six times; then the spool is damaged offline — bytes
 * flipped in the middle, the tail truncated, garbage appended. The real agent
 * binary must start on it (no crash loop), quarantine and count the damage,
 * report the lost sequences as a gap, and deliver everything else exactly once.
 */
describe('agent killed while writing its spool; spool truncated and flipped', () => {
  const ws = workspace('spool');
  const procs: RunningProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    ws.cleanup();
  });

  it('repairs at start-up and delivers every intact batch exactly once', async () => {
    const spec = collectorSpec(ws.dir, await freePort());
    const collector = await startCollector(spec);
    procs.push(collector);
    const [agent] = await enrollMany(spec, 1, 'spool');
    const a = agent!;
    const key = await apiKey(spec);
    await collector.stop('SIGTERM');

    const agentData = join(ws.dir, 'agent data');
    const spoolDir = join(agentData, 'spool', a.agentId);
    const t0 = Date.now() - 6 * 3_600_000;
    let lastSeq = 0;
    let torn = 0;
    for (let i = 0; i < 6; i++) {
      const fleet = startFleet({ url: spec.url, agents: [{ ...a, spoolDir }], intervalMs: 2, samplesPerBatch: PER_BATCH, t0, spool: { maxBytes: 64 * 1024 * 1024, maxAgeMs: 86_400_000, segmentBytes: 256 * 1024, fsync: 'always' }, reportMs: 100 });
      procs.push(fleet.proc);
      const first = (await fleet.waitUntil((rs) => rs.length === 1, 15_000, 'fleet started'))[0] as FleetReport;
      // Sequences never go backwards across a kill: what was appended before it is still there.
      expect(first.nextSeq).toBeGreaterThan(lastSeq);
      torn += first.repair.tornTails;
      expect(first.repair.quarantinedRecords).toBe(0);
      await sleep(400 + i * 97);
      await fleet.proc.stop('SIGKILL');
      lastSeq = Math.max(...fleet.all().map((r) => r.nextSeq - 1));
    }

    // Offline damage: flip bytes inside an early segment, cut the last one mid-record, append noise.
    const segs = readdirSync(spoolDir).filter((n) => n.endsWith('.seg')).sort();
    expect(segs.length).toBeGreaterThan(2);
    const early = join(spoolDir, segs[1]!);
    const buf = readFileSync(early);
    for (let off = 5000; off < 5040; off++) buf[off] = (buf[off] as number) ^ 0x5a;
    writeFileSync(early, buf);
    const last = join(spoolDir, segs[segs.length - 1]!);
    truncateSync(last, statSync(last).size - 20);
    appendFileSync(last, Buffer.from('\u0000\u0000garbage after a torn write'));

    // The real agent binary on the damaged spool, collector still down: it must start and stay up.
    const configFile = join(ws.dir, 'agent', 'agent.yaml');
    mkdirSync(join(ws.dir, 'agent'), { recursive: true });
    writeFileSync(
      configFile,
      [
        'collector:',
        `  url: ${spec.url}`,
        'agent:',
        `  id: ${a.agentId}`,
        `  credential: ${a.credential}`,
        'interval: 1s',
        `dataDir: ${JSON.stringify(agentData)}`,
        'spool:',
        '  drainRate: 50000',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const agentProc = startProcess(process.execPath, [AGENT_BIN, 'run', '--config', configFile]);
    procs.push(agentProc);
    const repaired = JSON.parse(await agentProc.waitForLine(/"msg":"spool repaired at start-up/, 20_000)) as { quarantinedRecords: number; tornTails: number; quarantinedBytes: number };
    expect(repaired.quarantinedRecords + repaired.tornTails).toBeGreaterThanOrEqual(2);
    const opened = JSON.parse(await agentProc.waitForLine(/"msg":"spool opened"/)) as { nextSeq: number };
    const fleetSeqs = opened.nextSeq - 1;
    expect(readdirSync(join(spoolDir, 'quarantine')).length).toBeGreaterThanOrEqual(2);
    await sleep(1500);
    expect(agentProc.child.exitCode).toBeNull();

    const collector2 = await startCollector(spec);
    procs.push(collector2);
    await agentProc.waitForLine(/"msg":"connected to collector"/, 20_000);
    // Every fleet sequence ends up stored once (all ten samples) or inside a gap.
    const result = await waitFor(async () => {
      const pts = await faultPoints(spec.url, key, a.targetId, t0, tsOf(t0, fleetSeqs + 10));
      const gaps = ((await apiRequest(`${spec.url}/api/v1/hosts/${a.targetId}/gaps?from=0`, { key })).json as { gaps: Gap[] }).gaps;
      const perSeq = new Map<number, number>();
      for (const p of pts) perSeq.set(p.value, (perSeq.get(p.value) ?? 0) + 1);
      for (let s = 1; s <= fleetSeqs; s++) {
        const inGap = gaps.some((g) => g.fromSeq <= s && s <= g.toSeq);
        if (!inGap && perSeq.get(s) !== PER_BATCH) return undefined;
      }
      return { pts, gaps, perSeq };
    }, 60_000, 'every spooled batch delivered or reported as a gap');
    for (const [, n] of result.perSeq) expect(n).toBe(PER_BATCH);
    expect(result.gaps.length).toBeGreaterThanOrEqual(1);
    expect(result.gaps.every((g) => g.reason === 'spool_corrupt')).toBe(true);
    const lostBatches = result.gaps.reduce((n, g) => n + g.droppedBatches, 0);
    await agentProc.stop('SIGTERM');
    await collector2.stop('SIGKILL');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
    console.log(JSON.stringify({ test: 'agent-spool', kills: 6, tornTailsRepairedAfterKills: torn, batchesWritten: fleetSeqs, lostToCorruptionBatches: lostBatches, storedBatches: result.perSeq.size, repaired }));
  }, 150_000);
});
