#!/usr/bin/env node
// Fleet simulator: N virtual agents speaking the real protocol to a running
// collector, in a few processes, plus simulated access points polled by one
// real agent. See README.md.
//   node scripts/fleet-sim/index.mjs --collector https://127.0.0.1:8470 --token TOKEN \
//     [--ca DATA_DIR/tls/ca.pem] [--agents 1000] [--procs 2] [--interval 15s] [--series 60] \
//     [--sites 10] [--disconnects 1] [--restarts 0.2] [--no-skew] [--credentials FILE] \
//     [--aps 300 [--aps-yaml FILE] [--ap-port PORT] [--ap-poller NAME] [--ap-ping auto|off] \
//      [--ap-dir DIR] [--api-key KEY]] [--duration 10m]
//   node scripts/fleet-sim/index.mjs --aps-yaml-only --aps 300 --ap-port 1161 --aps-yaml FILE [--sites 10]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '@hallmonitor/shared';
import { apiGet, apTargets } from './ap-status.mjs';
import { apList, devicesYaml, startAps } from './aps.mjs';
import { enrollFleet, startFleet } from './fleet.mjs';
import { quantile } from './histogram.mjs';
import { startApPoller } from './poller.mjs';

const { values: a } = parseArgs({
  options: {
    collector: { type: 'string' },
    token: { type: 'string' },
    ca: { type: 'string' },
    agents: { type: 'string', default: '1000' },
    procs: { type: 'string', default: '2' },
    interval: { type: 'string', default: '15s' },
    series: { type: 'string', default: '60' },
    sites: { type: 'string', default: '10' },
    disconnects: { type: 'string', default: '1' },
    restarts: { type: 'string', default: '0.2' },
    'no-skew': { type: 'boolean', default: false },
    protocol: { type: 'string' },
    credentials: { type: 'string' },
    aps: { type: 'string', default: '0' },
    'ap-poller': { type: 'string', default: 'closet-server' },
    'ap-port': { type: 'string' },
    'ap-ping': { type: 'string', default: 'auto' },
    'ap-dir': { type: 'string' },
    'aps-yaml': { type: 'string' },
    'aps-yaml-only': { type: 'boolean', default: false },
    'api-key': { type: 'string' },
    duration: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (a['aps-yaml-only']) {
  // Just the devices section for --aps/--sites/--ap-port, to put in the collector's config before starting it.
  if (!(Number(a.aps) > 0) || !a['ap-port'] || !a['aps-yaml']) {
    console.error('fleet-sim: --aps-yaml-only needs --aps N, --ap-port PORT and --aps-yaml FILE');
    process.exit(2);
  }
  writeFileSync(a['aps-yaml'], devicesYaml(apList(Number(a.aps), Number(a.sites)), Number(a['ap-port']), a['ap-poller'], { ping: a['ap-ping'] }));
  console.log(`devices section for ${a.aps} APs at udp 127.0.0.1:${a['ap-port']} written to ${a['aps-yaml']}`);
  process.exit(0);
}
if (a.help || !a.collector || (!a.token && !a.credentials)) {
  console.log(readFileSync(new URL('./README.md', import.meta.url), 'utf8'));
  process.exit(a.help ? 0 : 2);
}
const ca = a.ca ? readFileSync(a.ca, 'utf8') : undefined;
const intervalMs = parseDuration(a.interval);
if (!intervalMs) throw new Error(`--interval: not a duration: ${a.interval}`);
if (a['ap-ping'] !== 'auto' && a['ap-ping'] !== 'off') throw new Error(`--ap-ping: auto or off, not ${a['ap-ping']}`);

let aps;
let poller;
let agents;
let fleet;
try {
  if (Number(a.aps) > 0) {
    aps = await startAps({ count: Number(a.aps), sites: Number(a.sites), ...(a['ap-port'] ? { port: Number(a['ap-port']) } : {}) });
    const yaml = aps.devicesYaml(a['ap-poller'], { ping: a['ap-ping'] });
    if (a['aps-yaml']) writeFileSync(a['aps-yaml'], yaml);
    console.log(`${aps.aps.length} simulated APs on udp 127.0.0.1:${aps.port} (community = AP name)${a['aps-yaml'] ? `; devices section written to ${a['aps-yaml']}` : ''}`);
    // The poller enrolls before the fleet, so a token of --uses agents+1 covers both.
    poller = await startApPoller({ url: a.collector, token: a.token, name: a['ap-poller'], dir: a['ap-dir'] });
    console.log(`AP poller: real agent "${poller.name}" (pid ${poller.pid}, log ${poller.logFile}) polls the devices the collector's config assigns to it (poller: ${poller.name})`);
  }
  agents = await enrollFleet({ url: a.collector, ca, token: a.token, count: Number(a.agents), sites: Number(a.sites), credentialsFile: a.credentials, log: console.log });
  fleet = await startFleet({ url: a.collector, ca, agents, procs: Number(a.procs), intervalMs, series: Number(a.series), skew: !a['no-skew'], disconnectsPerHour: Number(a.disconnects), restartsPerHour: Number(a.restarts), ...(a.protocol ? { protocol: Number(a.protocol) } : {}) });
} catch (err) {
  await poller?.stop();
  await aps?.stop();
  console.error(`fleet-sim: ${err.message}`);
  process.exit(1);
}
console.log(`${agents.length} agents in ${fleet.pids.length} processes, ${a.series} series each every ${a.interval}`);

/** "APs 298/300 (up 298)" from the fleet page, when an API key is given. */
async function apLine() {
  if (!aps) return '';
  if (!a['api-key']) return ' · APs: pass --api-key to see them arrive';
  try {
    const list = apTargets((await apiGet(a.collector, '/api/v1/hosts', { key: a['api-key'], ca })).hosts, aps.aps.map((x) => x.name));
    return ` · AP targets ${list.length}/${aps.aps.length} (up ${list.filter((h) => h.status === 'up').length})`;
  } catch (err) {
    return ` · AP targets: ${err.message}`;
  }
}

const ticker = setInterval(async () => {
  const r = await fleet.report();
  const c = r.counters;
  console.log(
    `connected ${r.connected}/${agents.length} · batches ${c.sent} acked ${c.acked} resent ${c.resent} · ack p50 ${quantile(r.hist, 0.5).toFixed(1)} ms p99 ${quantile(r.hist, 0.99).toFixed(1)} ms · unacked ${r.pending} · disconnects ${c.disconnects} restarts ${c.restarts} refused ${c.refused} errors ${c.errors} · sim CPU ${(r.cpuMs / 100).toFixed(0)}% of a core${await apLine()}`,
  );
  for (const e of r.errors) console.log(`  ${e}`);
  for (const l of poller?.newLogLines() ?? []) console.log(`  poller: ${l.slice(0, 300)}`);
}, 10_000);

const stop = async () => {
  clearInterval(ticker);
  await fleet.stop();
  await poller?.stop();
  await aps?.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (a.duration) setTimeout(stop, parseDuration(a.duration));
