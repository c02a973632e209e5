// A fleet of real agent transports in one process, for the fault tests: each
// agent has its own credential, disk spool and Connection (the agent's own
// classes from @hallmonitor/agent), and pushes numbered batches on a timer
// instead of collecting from the host, so a test can account for every
// sample. One process instead of 24 keeps a 2-core CI box responsive.
//
// Config: JSON in FLEET_CONFIG
//   { url, agents: [{ agentId, credential, spoolDir }], intervalMs, samplesPerBatch,
//     t0, spool: { maxBytes, maxAgeMs, segmentBytes }, drain: {...}, backoff: {...},
//     reportMs, poisonEvery }
//   poisonEvery: every Nth sequence carries a label longer than the wire allows (a batch the
//   collector can never accept).
// Output: one JSON line per agent per report period on stdout:
//   {"report": i, "agentId", "state", "acked", "nextSeq", "queued", "bytes", "segments", "gaps", "stats", "rss", "heapUsed"}
// Signals: SIGUSR1 pauses collection (the drain continues), SIGUSR2 resumes it,
// SIGHUP switches between intervalMs and fastIntervalMs (an outage compressed
// in time), SIGTERM stops cleanly. SIGKILL is the test's business.
import { Connection, Spool } from '@hallmonitor/agent';

const cfg = JSON.parse(process.env.FLEET_CONFIG ?? '{}');

function quietLogger(bindings = {}) {
  const write = (level) => (obj, msg) => {
    if (level === 'debug' || level === 'info') return;
    process.stderr.write(`${JSON.stringify({ level, ...bindings, ...(typeof obj === 'object' ? obj : { msg: obj }), msg })}\n`);
  };
  return { child: (b) => quietLogger({ ...bindings, ...b }), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), fatal: write('error'), trace: () => {} };
}

const agents = cfg.agents.map((a, i) => {
  const spool = Spool.open({ dir: a.spoolDir, ...cfg.spool });
  const connection = new Connection({
    url: cfg.url,
    tls: {},
    agentId: a.agentId,
    credential: a.credential,
    spool,
    logger: quietLogger({ agent: i }),
    hello: () => ({ agentVersion: 'fleet', facts: { hostname: `fleet-${i}`, os: 'Fleet', kernel: '0', arch: 'x64' } }),
    backoff: cfg.backoff ?? { baseMs: 200, capMs: 2000, fatalMs: 5000 },
    drain: cfg.drain ?? {},
    stallTimeoutMs: cfg.stallTimeoutMs ?? 60_000,
  });
  return { ...a, i, spool, connection };
});

let paused = false;
let fast = false;
process.on('SIGUSR1', () => (paused = true));
process.on('SIGUSR2', () => (paused = false));
process.on('SIGHUP', () => {
  fast = !fast;
  for (const a of agents) {
    clearInterval(a.timer);
    a.timer = setInterval(() => tick(a), fast ? cfg.fastIntervalMs ?? cfg.intervalMs : cfg.intervalMs);
  }
});

// Each batch's samples carry its sequence as value and t0 + seq seconds as
// timestamp (a realistic spacing: storage may treat samples closer than its
// alignment tolerance as one slot), so rows match acknowledged sequences exactly.
function tick(a) {
  if (paused) return;
  const seq = a.spool.nextSeq;
  const samples = [];
  for (let k = 0; k < cfg.samplesPerBatch; k++) samples.push({ name: 'fault_value', labels: { k: String(k) }, value: seq, timestamp: cfg.t0 + seq * 1000 });
  if (cfg.poisonEvery && seq % cfg.poisonEvery === 0) samples[0].labels.k = 'x'.repeat(500);
  try {
    a.connection.flush(a.spool.push(samples));
  } catch (err) {
    process.stderr.write(`${JSON.stringify({ level: 'error', agent: a.i, msg: 'push failed', err: String(err) })}\n`);
  }
}

const timers = agents.map((a) => {
  a.connection.start();
  // Spread the agents over the interval, as real agents' random phase does.
  return setTimeout(() => {
    tick(a);
    a.timer = setInterval(() => tick(a), fast ? cfg.fastIntervalMs ?? cfg.intervalMs : cfg.intervalMs);
  }, Math.floor((a.i / agents.length) * cfg.intervalMs));
});

let report = 0;
function printReport() {
  report++;
  const mem = process.memoryUsage();
  for (const a of agents) {
    const s = a.spool;
    process.stdout.write(
      `${JSON.stringify({ report, agentId: a.agentId, state: a.connection.state, acked: s.ackedThrough, nextSeq: s.nextSeq, queued: s.size, bytes: s.bytes, segments: s.segmentCount, gaps: s.gaps().length, repair: s.repair, stats: a.connection.stats, paused, fast, at: Date.now(), rss: mem.rss, heapUsed: mem.heapUsed })}\n`,
    );
  }
}
const reporter = setInterval(printReport, cfg.reportMs ?? 500);

process.once('SIGTERM', async () => {
  clearInterval(reporter);
  for (const t of timers) clearTimeout(t);
  for (const a of agents) clearInterval(a.timer);
  await Promise.all(agents.map((a) => a.connection.stop()));
  printReport();
  for (const a of agents) a.spool.close();
  process.exit(0);
});
