// A realistic agent's series: what agent/src/collectors report on a school PC
// (PRODUCT.md's metric names), 60 series by default, with values that move
// like real ones (random walks, 2-decimal percentages, byte gauges, slowly
// growing counters, near-constants) so storage compresses them as it would
// real data.

const IFACES = ['eth0', 'wlan0', 'docker0', 'vpn0'];
const MOUNTS_LINUX = ['/', '/home', '/boot', '/var'];
const MOUNTS_WINDOWS = ['C:\\', 'D:\\', 'E:\\', 'F:\\'];
const COLLECTORS = ['cpu', 'load', 'memory', 'uptime', 'temperature', 'network', 'disk', 'patch', 'services', 'time', 'battery', 'smart'];

/** A deterministic PRNG so a simulated host is the same host after a restart. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const round2 = (v) => Math.round(v * 100) / 100;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/**
 * Builds one host's series. Each entry: { name, labels, next(dtSeconds) → value }.
 * `count` trims or pads (extra collector timings) to the asked number of series.
 */
export function hostSeries(seed, count = 60) {
  const r = rng(seed);
  const windows = r() < 0.6;
  const mounts = windows ? MOUNTS_WINDOWS : MOUNTS_LINUX;
  const memTotal = [4, 8, 8, 16, 16, 32][Math.floor(r() * 6)] * 2 ** 30;
  const walk = (start, step, lo, hi, digits = 2) => {
    let v = start;
    return () => {
      v = clamp(v + (r() - 0.5) * step, lo, hi);
      return digits === 2 ? round2(v) : Math.round(v);
    };
  };
  let uptime = Math.floor(r() * 30 * 86_400);
  const series = [
    { name: 'cpu_usage_percent', labels: {}, next: walk(10 + r() * 20, 12, 0, 100) },
    { name: 'load1', labels: {}, next: walk(0.5 + r(), 0.6, 0, 16) },
    { name: 'load5', labels: {}, next: walk(0.5 + r(), 0.2, 0, 16) },
    { name: 'load15', labels: {}, next: walk(0.5 + r(), 0.08, 0, 16) },
    { name: 'memory_used_percent', labels: {}, next: walk(40 + r() * 30, 2, 5, 99) },
    { name: 'memory_available_bytes', labels: {}, next: walk(memTotal * 0.4, memTotal * 0.02, memTotal * 0.01, memTotal, 0) },
    { name: 'memory_total_bytes', labels: {}, next: () => memTotal },
    { name: 'swap_used_percent', labels: {}, next: walk(r() * 10, 0.5, 0, 100) },
    { name: 'uptime_seconds', labels: {}, next: (dt) => (uptime += dt) },
    { name: 'cpu_temperature_celsius', labels: {}, next: walk(45 + r() * 10, 1.5, 25, 95) },
  ];
  for (const iface of IFACES) {
    series.push({ name: 'network_receive_bytes_per_second', labels: { interface: iface }, next: walk(r() * 50_000, 40_000, 0, 1.25e8, 0) });
    series.push({ name: 'network_transmit_bytes_per_second', labels: { interface: iface }, next: walk(r() * 20_000, 15_000, 0, 1.25e8, 0) });
  }
  for (const mount of mounts) {
    const total = Math.floor((64 + r() * 960) * 2 ** 30);
    let used = total * (0.2 + r() * 0.6);
    series.push({ name: 'disk_used_percent', labels: { mount }, next: () => round2((100 * (used = clamp(used + (r() - 0.45) * 2e6, 0, total))) / total) });
    series.push({ name: 'disk_free_bytes', labels: { mount }, next: () => Math.round(total - used) });
    series.push({ name: 'disk_total_bytes', labels: { mount }, next: () => total });
  }
  const lastCheck = Math.floor(Date.now() / 1000 - r() * 86_400);
  series.push(
    { name: 'patch_pending_updates', labels: {}, next: () => Math.floor(r() < 0.999 ? 3 : 4) },
    { name: 'patch_pending_security_updates', labels: {}, next: () => 1 },
    { name: 'patch_reboot_required', labels: {}, next: () => 0 },
    { name: 'patch_last_install_timestamp_seconds', labels: {}, next: () => lastCheck - 86_400 * 3 },
    { name: 'patch_last_check_timestamp_seconds', labels: {}, next: () => lastCheck },
    { name: 'patch_list_age_seconds', labels: {}, next: (dt) => Math.round(Date.now() / 1000 - lastCheck + dt * 0) },
  );
  for (const c of COLLECTORS) {
    series.push({ name: 'hallmonitor_collector_success', labels: { collector: c }, next: () => (r() < 0.999 ? 1 : 0) });
    series.push({ name: 'hallmonitor_collector_duration_seconds', labels: { collector: c }, next: walk(0.0002 + r() * 0.002, 0.0004, 0.00005, 0.05) });
  }
  for (let i = 0; series.length < count; i++) series.push({ name: 'hallmonitor_collector_duration_seconds', labels: { collector: `extra${i}` }, next: walk(0.001, 0.0004, 0.00005, 0.05) });
  return { windows, series: series.slice(0, count) };
}

/** One collection round: wire samples with the agent's (possibly skewed) clock. */
export function collectRound(host, timestamp, dtSeconds) {
  return host.series.map((s) => ({ name: s.name, labels: s.labels, value: s.next(dtSeconds), timestamp }));
}
