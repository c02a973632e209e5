#!/usr/bin/env node
// Fleet simulator: N virtual agents speaking the real protocol to a running
// collector, in a few processes, plus simulated access points. See README.md.
//   node scripts/fleet-sim/index.mjs --collector https://127.0.0.1:8470 --token TOKEN \
//     [--ca DATA_DIR/tls/ca.pem] [--agents 1000] [--procs 2] [--interval 15s] [--series 60] \
//     [--sites 10] [--disconnects 1] [--restarts 0.2] [--no-skew] [--credentials FILE] \
//     [--aps 300] [--ap-poller NAME] [--duration 10m]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '@hallmonitor/shared';
import { startAps } from './aps.mjs';
import { enrollFleet, startFleet } from './fleet.mjs';
import { quantile } from './histogram.mjs';

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
    credentials: { type: 'string' },
    aps: { type: 'string', default: '0' },
    'ap-poller': { type: 'string', default: 'closet-server' },
    'aps-yaml': { type: 'string' },
    duration: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (a.help || !a.collector || (!a.token && !a.credentials)) {
  console.log(readFileSync(new URL('./README.md', import.meta.url), 'utf8'));
  process.exit(a.help ? 0 : 2);
}
const ca = a.ca ? readFileSync(a.ca, 'utf8') : undefined;
const intervalMs = parseDuration(a.interval);
if (!intervalMs) throw new Error(`--interval: not a duration: ${a.interval}`);

let aps;
if (Number(a.aps) > 0) {
  aps = await startAps({ count: Number(a.aps), sites: Number(a.sites) });
  const yaml = aps.devicesYaml(a['ap-poller']);
  if (a['aps-yaml']) writeFileSync(a['aps-yaml'], yaml);
  console.log(`${aps.aps.length} simulated APs on udp 127.0.0.1:${aps.port} (community = AP name)${a['aps-yaml'] ? `; devices section written to ${a['aps-yaml']}` : ''}`);
}

const agents = await enrollFleet({ url: a.collector, ca, token: a.token, count: Number(a.agents), sites: Number(a.sites), credentialsFile: a.credentials, log: console.log });
const fleet = await startFleet({ url: a.collector, ca, agents, procs: Number(a.procs), intervalMs, series: Number(a.series), skew: !a['no-skew'], disconnectsPerHour: Number(a.disconnects), restartsPerHour: Number(a.restarts) });
console.log(`${agents.length} agents in ${fleet.pids.length} processes, ${a.series} series each every ${a.interval}`);

const ticker = setInterval(async () => {
  const r = await fleet.report();
  const c = r.counters;
  console.log(
    `connected ${r.connected}/${agents.length} · batches ${c.sent} acked ${c.acked} resent ${c.resent} · ack p50 ${quantile(r.hist, 0.5).toFixed(1)} ms p99 ${quantile(r.hist, 0.99).toFixed(1)} ms · unacked ${r.pending} · disconnects ${c.disconnects} restarts ${c.restarts} refused ${c.refused} errors ${c.errors} · sim CPU ${(r.cpuMs / 100).toFixed(0)}% of a core`,
  );
  for (const e of r.errors) console.log(`  ${e}`);
}, 10_000);

const stop = async () => {
  clearInterval(ticker);
  await fleet.stop();
  await aps?.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (a.duration) setTimeout(stop, parseDuration(a.duration));
