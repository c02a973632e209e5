import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor, type RunningProcess } from '../support/processes.js';
import { apiKey, checkExactlyOnce, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, startFleet, workspace, type Fleet, tsOf } from './support.js';
import { FaultProxy } from './tcp-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const AGENTS = 8;
const PER_BATCH = 5;

/*
 * A network that slices every frame into pieces of 1–48 bytes, delays them,
 * cuts all connections mid-stream, stalls for seconds, and finally swallows
 * traffic without closing (a black hole only a timeout can notice). The
 * agents must recover on their own and the collector must store every
 * acknowledged sample exactly once.
 */
describe('a network that drops, slices and stalls mid-frame', () => {
  const ws = workspace('net');
  let collector: RunningProcess | undefined;
  let fleet: Fleet | undefined;
  let proxy: FaultProxy | undefined;
  afterAll(async () => {
    await fleet?.proc.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    await proxy?.close();
    ws.cleanup();
  });

  it('recovers from cuts, stalls and a black hole without losing or doubling samples', async () => {
    let seed = Number(process.env.HM_FAULT_SEED ?? 7);
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const spec = collectorSpec(ws.dir, await freePort());
    collector = await startCollector(spec);
    const agents = await enrollMany(spec, AGENTS, 'net');
    const key = await apiKey(spec);
    proxy = new FaultProxy(spec.port, { maxSlice: 48, maxDelayMs: 3, random });
    const proxyPort = await proxy.listen();
    const t0 = Date.now() - 6 * 3_600_000;
    fleet = startFleet({
      url: `http://127.0.0.1:${proxyPort}`,
      agents: agents.map((a) => ({ ...a, spoolDir: join(ws.dir, 'spool', a.agentId) })),
      intervalMs: 100,
      samplesPerBatch: PER_BATCH,
      t0,
      spool: { maxBytes: 8 * 1024 * 1024, maxAgeMs: 86_400_000, fsync: 'always' },
      drain: { samplesPerSecond: 20_000 },
      backoff: { baseMs: 100, capMs: 1000, fatalMs: 5000 },
      stallTimeoutMs: 3000,
      reportMs: 250,
    });
    await fleet.waitUntil((rs) => rs.every((r) => r.acked > 0), 30_000, 'every agent acked through the proxy');

    for (let i = 0; i < 6; i++) {
      await sleep(700 + Math.floor(random() * 800));
      proxy.cutAll();
    }
    proxy.stall(2000);
    await sleep(2500);
    // Black-hole links that are up (a pending upgrade would be caught by the handshake timeout instead).
    await fleet.waitUntil((rs) => rs.every((r) => r.state === 'ready'), 30_000, 'every agent connected before the black hole');
    proxy.blackholeAll();
    // Nothing closes a black-holed link: the agents' stall timeout (3 s) must notice it.
    const detections = (): number => fleet!.proc.output().split('no answer from collector; reconnecting').length - 1;
    await waitFor(async () => (detections() >= 1 ? true : undefined), 30_000, 'stall detected');
    const before = new Map([...fleet.latest().values()].map((r) => [r.agentId, r.acked]));
    await fleet.waitUntil((rs) => rs.every((r) => r.acked > (before.get(r.agentId) ?? 0) + 5), 30_000, 'acks resume after the black hole');
    const stallDetections = detections();

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
    await collector.stop('SIGTERM');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
    console.log(JSON.stringify({ test: 'network', agents: AGENTS, proxyConnections: proxy.connections, cuts: proxy.cuts, stallDetections, bytesForwarded: proxy.bytes, samplesAcked: acked, samplesStored: stored }));
  }, 150_000);
});
