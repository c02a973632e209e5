// Realistic fleet data for the storage benchmark: per host, two-decimal
// percentages (random walks), byte gauges, byte counters and rates, and
// near-constants, on a 15 s interval with a per-host phase and ±jitter.
// Deterministic (seeded) so every engine sees the same samples.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (x) => Math.round(x * 100) / 100;
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** The 20 main series of a host: [metric, labels, kind]. */
export const HOST_SERIES = [
  ['cpu_usage_percent', {}, 'pct'],
  ['memory_used_percent', {}, 'pctSlow'],
  ['swap_used_percent', {}, 'pctSlow'],
  ['disk_used_percent', { mount: '/' }, 'pctSlow'],
  ['disk_used_percent', { mount: '/home' }, 'pctSlow'],
  ['cpu_temperature_celsius', {}, 'temp'],
  ['load1', {}, 'load'],
  ['memory_available_bytes', {}, 'gauge'],
  ['disk_free_bytes', { mount: '/' }, 'gaugeSlow'],
  ['disk_free_bytes', { mount: '/home' }, 'gaugeSlow'],
  ['network_receive_bytes_per_second', { interface: 'eth0' }, 'rate'],
  ['network_transmit_bytes_per_second', { interface: 'eth0' }, 'rate'],
  ['network_receive_bytes_total', { interface: 'eth0' }, 'counter'],
  ['uptime_seconds', {}, 'uptime'],
  ['disk_total_bytes', { mount: '/' }, 'const'],
  ['disk_total_bytes', { mount: '/home' }, 'const'],
  ['patch_pending_updates', {}, 'step'],
  ['patch_pending_security_updates', {}, 'step'],
  ['patch_reboot_required', {}, 'flag'],
  ['patch_last_check_timestamp_seconds', {}, 'step'],
];

function nextValue(kind, prev, rnd, tSec) {
  switch (kind) {
    case 'pct': return round2(clamp(prev + (rnd() - 0.5) * 8, 0, 100));
    case 'pctSlow': return round2(clamp(prev + (rnd() < 0.3 ? (rnd() - 0.5) * 0.4 : 0), 0, 100));
    case 'temp': return Math.round(clamp(prev + (rnd() - 0.5) * 2, 30, 90) * 10) / 10;
    case 'load': return round2(Math.max(0, prev * 0.9 + rnd() * 0.4));
    case 'gauge': return Math.max(0, prev + Math.round((rnd() - 0.5) * 2e7 / 4096) * 4096);
    case 'gaugeSlow': return prev - (rnd() < 0.2 ? Math.round(rnd() * 1e6 / 4096) * 4096 : 0);
    case 'rate': return Math.round(Math.max(0, prev * 0.7 + rnd() * 3e5));
    case 'counter': return prev + Math.round(rnd() * 4e6);
    case 'uptime': return Math.floor(tSec - 1_700_000_000 + 86_400);
    case 'const': return prev;
    case 'step': return rnd() < 0.002 ? prev + 1 : prev;
    case 'flag': return rnd() < 0.001 ? 1 - prev : prev;
    default: return prev;
  }
}

function initial(kind, rnd) {
  switch (kind) {
    case 'pct': return round2(rnd() * 50);
    case 'pctSlow': return round2(20 + rnd() * 60);
    case 'temp': return 45;
    case 'load': return 0.5;
    case 'gauge': return 4 * 2 ** 30 + Math.round(rnd() * 2 ** 20) * 4096;
    case 'gaugeSlow': return 200 * 2 ** 30 + Math.round(rnd() * 2 ** 20) * 4096;
    case 'rate': return 1e5;
    case 'counter': return Math.round(rnd() * 1e12);
    case 'const': return 512 * 2 ** 30;
    case 'step': return Math.floor(rnd() * 10);
    default: return 0;
  }
}

/**
 * Yields rounds: for each collection tick, one batch per host
 * ({ host, samples: [{metric, labels, value, ts}] }).
 */
export function* fleetRounds({ hosts, points, intervalMs, startMs, seed = 42, jitterMs = 40 }) {
  const rnd = mulberry32(seed);
  const state = [];
  for (let h = 0; h < hosts; h++) {
    state.push({ phase: Math.floor(rnd() * intervalMs), values: HOST_SERIES.map(([, , kind]) => initial(kind, rnd)) });
  }
  for (let k = 0; k < points; k++) {
    const round = [];
    for (let h = 0; h < hosts; h++) {
      const st = state[h];
      const ts = startMs + st.phase + k * intervalMs + Math.round((rnd() - 0.5) * 2 * jitterMs);
      const samples = HOST_SERIES.map(([metric, labels, kind], i) => {
        st.values[i] = nextValue(kind, st.values[i], rnd, ts / 1000);
        return { metric, labels, value: st.values[i], ts };
      });
      round.push({ host: `host-${String(h).padStart(3, '0')}`, samples });
    }
    yield round;
  }
}
