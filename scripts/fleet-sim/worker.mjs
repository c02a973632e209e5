// One fleet-sim process: many virtual agents speaking the real protocol
// (shared/src/protocol.ts) over their own WebSocket each — hello, metrics
// batches with sequence numbers, acks, resend of everything above the
// collector's high-water mark after a reconnect — plus disconnects, restarts
// and clock skew. Driven by its parent over IPC (fleet.mjs).
import { PROTOCOL_VERSION, SeriesDictionary } from '@hallmonitor/shared';
import WebSocket from 'ws';
import { collectRound, hostSeries, rng } from './metric-set.mjs';
import { newHistogram, record, toSparse } from './histogram.mjs';

let cfg;
let agents = [];
let hist = newHistogram();
const counters = { sent: 0, samples: 0, acked: 0, resent: 0, connects: 0, disconnects: 0, restarts: 0, refused: 0, errors: 0 };
let intervalMs = 15_000;
let stopped = false;
let lastCpu = process.cpuUsage();
const lastErrors = [];

function note(err) {
  counters.errors++;
  if (lastErrors.length < 5) lastErrors.push(String(err).slice(0, 200));
}

/** 90% within ±0.5 s, 9% off by seconds to a minute, 1% off by 10 min to 2 h (a dead CMOS battery). */
function skewFor(r) {
  const x = r();
  const sign = r() < 0.5 ? -1 : 1;
  if (x < 0.9) return Math.round((r() - 0.5) * 1000);
  if (x < 0.99) return sign * Math.round(5_000 + r() * 55_000);
  return sign * Math.round(600_000 + r() * 6_600_000);
}

function makeAgent(spec, i) {
  const r = rng(spec.seed);
  return {
    ...spec,
    i,
    r,
    host: hostSeries(spec.seed, cfg.series),
    skewMs: cfg.skew ? skewFor(r) : 0,
    ws: undefined,
    state: 'idle', // idle | connecting | ready | down
    seq: spec.seq ?? 0,
    unacked: new Map(),
    nextDue: Date.now() + Math.floor(r() * intervalMs),
    downUntil: 0,
    rebootUntil: 0,
    lastRound: 0,
  };
}

/** One batch as the agent's transport sends it: `batch` columns to a collector that accepted protocol 3, else `metrics`. */
function encode(a, seq, samples) {
  if (a.accepted >= 3) return JSON.stringify(a.dict.encode(a.epoch, seq, samples));
  return JSON.stringify({ v: PROTOCOL_VERSION, type: 'metrics', epoch: a.epoch, seq, samples });
}

/** Resends waiting batches while fewer than DRAIN_WINDOW are unacknowledged. */
const DRAIN_WINDOW = 4;
function pumpResend(a) {
  const q = a.resendQueue;
  if (!q) return;
  while (q.length > 0 && a.ws?.readyState === WebSocket.OPEN) {
    const inFlight = [...a.unacked.keys()].filter((s) => s < q[0]).length;
    if (inFlight >= DRAIN_WINDOW) return;
    const seq = q.shift();
    const u = a.unacked.get(seq);
    if (!u) continue;
    counters.resent++;
    a.ws.send(encode(a, seq, u.samples));
  }
}

function send(a, seq, samples) {
  a.unacked.set(seq, { sentAt: performance.now(), samples, resent: false });
  if (a.state === 'ready' && a.ws.readyState === WebSocket.OPEN) a.ws.send(encode(a, seq, samples));
}

function connect(a) {
  a.state = 'connecting';
  const ws = new WebSocket(`${cfg.url.replace(/^http/, 'ws')}/api/v1/agent/ws`, {
    headers: { authorization: `Bearer ${a.agentId}.${a.credential}` },
    perMessageDeflate: false,
    ...(cfg.localAddress ? { localAddress: cfg.localAddress } : {}),
    ...(cfg.ca ? { ca: cfg.ca, checkServerIdentity: () => undefined } : {}),
    handshakeTimeout: 30_000,
  });
  a.ws = ws;
  ws.on('open', () => {
    counters.connects++;
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', agentId: a.agentId, agentVersion: 'fleet-sim', protocolVersion: cfg.protocol ?? PROTOCOL_VERSION, epoch: a.epoch, facts: { hostname: a.name, os: a.host.windows ? 'Windows 11 Education' : 'Debian GNU/Linux 12', kernel: a.host.windows ? '10.0.22631' : '6.1.0-18-amd64', arch: 'x64' } }));
  });
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    if (m.type === 'welcome') {
      a.state = 'ready';
      // Series ids belong to one connection: a new one defines them again.
      a.accepted = m.acceptedVersion;
      a.dict = new SeriesDictionary();
      // Everything at or below the mark is stored; everything above goes again, in order, a few
      // batches ahead of the acks like the agent's drain window (agent/src/transport/drain.ts).
      for (const seq of [...a.unacked.keys()]) if (seq <= m.highWaterSeq) a.unacked.delete(seq);
      a.resendQueue = [...a.unacked.keys()];
      for (const seq of a.resendQueue) a.unacked.get(seq).resent = true;
      pumpResend(a);
    } else if (m.type === 'ack') {
      const now = performance.now();
      for (const [seq, u] of a.unacked) {
        if (seq > m.seq) break;
        // Only first sends count: a resend's latency includes the outage.
        if (!u.resent) record(hist, now - u.sentAt);
        counters.acked++;
        a.unacked.delete(seq);
      }
      pumpResend(a);
    } else if (m.type === 'error') note(`${a.name}: ${m.code} ${m.message}`);
  });
  ws.on('unexpected-response', (_req, res) => {
    counters.refused++;
    note(`${a.name}: upgrade refused ${res.statusCode}`);
    ws.terminate();
  });
  ws.on('error', (err) => note(`${a.name}: ${err.message}`));
  ws.on('close', () => {
    if (a.ws !== ws) return;
    a.ws = undefined;
    if (stopped) return;
    // Jittered backoff like the agent's transport.
    a.state = 'down';
    a.downUntil = Math.max(a.downUntil, Date.now() + 1000 + Math.floor(a.r() * 4000));
  });
}

function tick() {
  if (stopped) return;
  const now = Date.now();
  const churnP = (cfg.disconnectsPerHour ?? 0) / 3600 / 10;
  const restartP = (cfg.restartsPerHour ?? 0) / 3600 / 10;
  let connecting = 0;
  for (const a of agents) if (a.state === 'connecting') connecting++;
  for (const a of agents) {
    if (a.state === 'idle' || (a.state === 'down' && now >= a.downUntil)) {
      // A bounded number of handshakes in flight per process: a ramp, not a stampede.
      if (connecting < (cfg.maxConnecting ?? 100)) {
        connecting++;
        connect(a);
      }
      continue;
    }
    if (a.state === 'ready') {
      if (churnP && a.r() < churnP) {
        counters.disconnects++;
        a.ws.terminate();
        continue;
      }
      if (restartP && a.r() < restartP) {
        // A reboot: offline 10–40 s, no collection meanwhile, uptime starts again.
        counters.restarts++;
        a.ws.close(1000, 'restart');
        a.state = 'down';
        a.downUntil = now + 10_000 + Math.floor(a.r() * 30_000);
        a.rebootUntil = a.downUntil;
        const up = a.host.series.find((s) => s.name === 'uptime_seconds');
        if (up) {
          let u = 0;
          up.next = (dt) => (u += dt);
        }
        continue;
      }
    }
    // Disconnected agents keep collecting into their spool (sent after the reconnect); a rebooting one does not.
    if (now >= a.nextDue && a.state !== 'idle' && now >= a.rebootUntil) {
      const dt = a.lastRound ? (now - a.lastRound) / 1000 : intervalMs / 1000;
      a.lastRound = now;
      a.nextDue = now + intervalMs + Math.round((a.r() - 0.5) * 200);
      if (a.unacked.size >= (cfg.maxUnacked ?? 240)) continue; // spool full: the real agent drops the oldest; the sim just skips
      const samples = collectRound(a.host, now + a.skewMs, dt);
      const seq = ++a.seq;
      counters.sent++;
      counters.samples += samples.length;
      send(a, seq, samples);
    }
  }
}

function report() {
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  let connected = 0;
  let pending = 0;
  for (const a of agents) {
    if (a.state === 'ready') connected++;
    pending += a.unacked.size;
  }
  const out = { type: 'report', pid: process.pid, hist: toSparse(hist), counters: { ...counters }, connected, pending, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss, errors: lastErrors.splice(0), seqs: agents.map((a) => [a.agentId, a.seq]) };
  hist = newHistogram();
  return out;
}

process.on('message', (m) => {
  if (m.type === 'start') {
    cfg = m;
    intervalMs = m.intervalMs;
    agents = m.agents.map(makeAgent);
    setInterval(tick, 100).unref();
    process.send({ type: 'started', agents: agents.length });
  } else if (m.type === 'interval') {
    intervalMs = m.ms;
    const now = Date.now();
    for (const a of agents) a.nextDue = now + Math.floor(a.r() * intervalMs);
  } else if (m.type === 'report') {
    process.send(report());
  } else if (m.type === 'stop') {
    stopped = true;
    for (const a of agents) a.ws?.terminate();
    process.send(report(), () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
