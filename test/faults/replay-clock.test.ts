import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, type RunningProcess } from '../support/processes.js';
import { apiKey, collectorSpec, enrollMany, faultPoints, freePort, integrityCheck, startCollector, workspace, type CollectorSpec, type EnrolledAgent } from './support.js';
import { helloMsg, metricsMsg, openProbe } from './probe.js';

/*
 * Catalogue items 5 and 6 against a real collector process: duplicated,
 * replayed (same sequence, different content) and reordered batches store
 * nothing twice and ack only a contiguous prefix; gaps settle holes; an agent
 * clock a day ahead and then jumping back a day and a half loses nothing
 * (order is by sequence, not time) and raises no alert.
 */
describe('duplicated, replayed and reordered batches; a wrong and jumping agent clock', () => {
  const ws = workspace('replay');
  let spec: CollectorSpec;
  let collector: RunningProcess;
  let agents: EnrolledAgent[];
  let key: string;
  beforeAll(async () => {
    spec = collectorSpec(ws.dir, await freePort());
    collector = await startCollector(spec);
    agents = await enrollMany(spec, 4, 'replay');
    key = await apiKey(spec);
  });
  afterAll(async () => {
    await collector?.stop('SIGKILL');
    ws.cleanup();
  });
  const bearer = (a: EnrolledAgent): string => `${a.agentId}.${a.credential}`;

  it('stores each sequence once whatever the order, duplication or replayed content', async () => {
    const a = agents[0]!;
    const t0 = Date.now() - 600_000;
    const batch = (seq: number, variant = 0): Record<string, unknown> => metricsMsg('ep-replay', seq, [{ k: 'a', value: seq, timestamp: t0 + seq * 1000 + variant }]);
    const p = await openProbe(spec.url, bearer(a));
    p.send(helloMsg(a.agentId, 'ep-replay'));
    expect(await p.next('welcome')).toMatchObject({ acceptedVersion: 2, highWaterSeq: 0 });
    // Reordered with a hole: 1, 2, 4, 5 → the ack stays at 2 although 4 and 5 are stored.
    for (const s of [2, 1, 4, 5, 4, 1]) p.send(batch(s));
    await p.ackedThrough(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(Math.max(...p.messages.filter((m) => m.type === 'ack').map((m) => m.seq as number))).toBe(2);
    // The hole fills: the ack jumps over what was stored above it.
    p.send(batch(3));
    expect(await p.ackedThrough(5)).toBe(5);
    // Replays with different content (a buggy or malicious resend) are acknowledged, not stored.
    for (const s of [1, 3, 5]) p.send(batch(s, 7));
    p.send(batch(6));
    await p.ackedThrough(6);
    p.ws.close();
    await p.closed;

    const q = await openProbe(spec.url, bearer(a));
    q.send(helloMsg(a.agentId, 'ep-replay'));
    expect(await q.next('welcome')).toMatchObject({ highWaterSeq: 6 });
    q.send(batch(2, 9));
    q.send(batch(6, 9));
    await q.ackedThrough(6);
    // A hole settled by a gap: 8 arrives, 7 never will.
    q.send(batch(8));
    q.send({ v: 2, type: 'gap', epoch: 'ep-replay', fromSeq: 7, toSeq: 7, fromTs: t0 + 7000, toTs: t0 + 7000, droppedSamples: 1, droppedBatches: 1, reason: 'spool_cap' });
    expect(await q.ackedThrough(8)).toBe(8);
    q.ws.close();

    const pts = await faultPoints(spec.url, key, a.targetId, t0, t0 + 100_000);
    expect(pts.map((x) => x.value).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(pts.every((x) => x.ts === t0 + x.value * 1000)).toBe(true);
    const gaps = await apiRequest(`${spec.url}/api/v1/hosts/${a.targetId}/gaps?from=0`, { key });
    expect((gaps.json as { gaps: unknown[] }).gaps).toEqual([expect.objectContaining({ fromSeq: 7, toSeq: 7, droppedSamples: 1, reason: 'spool_cap' })]);
  });

  it('keeps the old "highest seen" mark for protocol-1 agents, which never send gaps', async () => {
    const a = agents[1]!;
    const t0 = Date.now() - 600_000;
    const p = await openProbe(spec.url, bearer(a));
    p.send(helloMsg(a.agentId, 'ep-v1', 1));
    expect(await p.next('welcome')).toMatchObject({ acceptedVersion: 1 });
    p.send({ ...metricsMsg('ep-v1', 1, [{ k: 'a', value: 1, timestamp: t0 }]), v: 1 });
    p.send({ ...metricsMsg('ep-v1', 3, [{ k: 'a', value: 3, timestamp: t0 + 3 }]), v: 1 });
    expect(await p.ackedThrough(3)).toBe(3);
    p.send({ v: 1, type: 'gap', epoch: 'ep-v1', fromSeq: 2, toSeq: 2, fromTs: 0, toTs: 0, droppedSamples: 0, droppedBatches: 1, reason: 'spool_cap' });
    expect((await p.closed).reason).toMatch(/gap needs protocol 2/);
  });

  it('stores by sequence through an agent clock a day ahead that then jumps back, with no alert and the host up', async () => {
    const a = agents[2]!;
    const now = Date.now();
    const day = 86_400_000;
    const p = await openProbe(spec.url, bearer(a));
    p.send(helloMsg(a.agentId, 'ep-clock'));
    await p.next('welcome');
    // seq 1..10 stamped a day ahead, 11..20 after the clock jumped back to a day and a half behind, then it is right again.
    const stamp = (seq: number): number => (seq <= 10 ? now + day + seq * 1000 : seq <= 20 ? now - 1.5 * day + seq * 1000 : now + seq * 1000 - 60_000);
    for (let seq = 1; seq <= 30; seq++) p.send(metricsMsg('ep-clock', seq, [{ k: 'c', value: seq, timestamp: stamp(seq) }]));
    expect(await p.ackedThrough(30)).toBe(30);
    const pts = await faultPoints(spec.url, key, a.targetId, now - 2 * day, now + 2 * day);
    expect(pts.map((x) => x.value).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // The API orders points by time; the sequence order survived in what was stored and acked.
    const times = pts.map((x) => x.ts);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const hosts = (await apiRequest(`${spec.url}/api/v1/hosts`, { key })).json as { hosts: Array<{ id: string; status: string }> };
    expect(hosts.hosts.find((h) => h.id === a.targetId)?.status).toBe('up');
    const alerts = (await apiRequest(`${spec.url}/api/v1/alerts?state=firing`, { key })).json as { alerts: unknown[] };
    expect(alerts.alerts).toEqual([]);
    p.ws.close();
  });

  it('leaves an intact database', async () => {
    await collector.stop('SIGKILL');
    expect(integrityCheck(spec.dataDir)).toBe('ok');
  });
});
