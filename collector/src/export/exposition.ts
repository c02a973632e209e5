import type { LatestSample } from '../storage/sample-store.js';
import type { Target } from '../targets/targets.js';
import { sampleLabelName, targetLabelPairs } from './target-labels.js';

/** One metric family of the collector's own metrics. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: ReadonlyArray<{ readonly labels?: Readonly<Record<string, string>>; readonly value: number }>;
}

export interface ExpositionInput {
  /** Targets the caller may see. */
  readonly targets: readonly Target[];
  readonly latest: Iterable<LatestSample>;
  readonly now: number;
  /** Series with an older newest sample are left out. */
  readonly maxAgeMs: number;
  /** Per-target families computed by the caller (up, status), already filtered like `targets`. */
  readonly perTarget?: ReadonlyArray<{ readonly name: string; readonly help: string; readonly value: (t: Target) => number | undefined; readonly labels?: (t: Target) => Readonly<Record<string, string>> }>;
  /** Names the fleet part must not emit (they are in perTarget or self). */
  readonly skipMetrics?: ReadonlySet<string>;
  readonly self: readonly MetricFamily[];
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values escape backslash, double quote and newline (text format 0.0.4). */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** HELP text escapes backslash and newline only. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function renderPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
}

/** What PRODUCT.md's metric names mean; anything else gets a generic line. */
const HELP: Readonly<Record<string, string>> = {
  cpu_usage_percent: 'CPU busy share over the last interval, percent.',
  load1: 'Load average over 1 minute.',
  load5: 'Load average over 5 minutes.',
  load15: 'Load average over 15 minutes.',
  memory_used_percent: 'Memory in use, percent.',
  memory_available_bytes: 'Memory available to new processes, bytes.',
  memory_total_bytes: 'Physical memory, bytes.',
  swap_used_percent: 'Swap in use, percent.',
  uptime_seconds: 'Seconds since boot.',
  cpu_temperature_celsius: 'CPU temperature, degrees Celsius.',
  network_receive_bytes_per_second: 'Bytes received per second on an interface.',
  network_transmit_bytes_per_second: 'Bytes sent per second on an interface.',
  disk_used_percent: 'Filesystem space in use, percent.',
  disk_free_bytes: 'Filesystem space free, bytes.',
  disk_total_bytes: 'Filesystem size, bytes.',
  patch_pending_updates: 'OS updates pending.',
  patch_pending_security_updates: 'Security updates pending.',
  patch_reboot_required: '1 when the OS wants a reboot to finish updates.',
  patch_last_install_timestamp_seconds: 'When updates were last installed, Unix seconds.',
  patch_last_check_timestamp_seconds: 'When the update lists were last checked, Unix seconds.',
  wifi_ap_up: '1 when the access point answers and reports itself up.',
  wifi_ap_clients: 'Wi-Fi clients associated with the access point.',
  wifi_ap_uptime_seconds: 'Access point uptime, seconds.',
  wifi_radio_clients: 'Wi-Fi clients on a radio.',
  wifi_radio_channel: 'Channel a radio is on.',
  wifi_radio_utilization_percent: 'Channel utilization seen by a radio, percent.',
  ping_up: '1 when the target answered ping.',
  ping_rtt_seconds: 'Ping round-trip time, seconds.',
  ping_loss_ratio: 'Share of pings lost, 0..1.',
};

/** Chunks of at most about this many characters are yielded, so a big fleet streams. */
const CHUNK = 64 * 1024;

/**
 * Renders the Prometheus text format: every family's HELP and TYPE line, then
 * its samples. Fleet values are gauges carrying their sample's timestamp (the
 * agent's clock), so a scrape records when a value was measured, not when it
 * was scraped; target and collector metrics carry none (they are "now").
 */
export function* renderExposition(input: ExpositionInput): Generator<string> {
  const visible = new Map<string, { prefix: string; taken: Set<string> }>();
  for (const t of input.targets) {
    const pairs = targetLabelPairs(t);
    visible.set(t.id, { prefix: renderPairs(pairs), taken: new Set(pairs.map((p) => p[0])) });
  }
  const byMetric = new Map<string, LatestSample[]>();
  const oldest = input.now - input.maxAgeMs;
  for (const s of input.latest) {
    if (s.ts < oldest || !visible.has(s.targetId) || input.skipMetrics?.has(s.metric)) continue;
    let list = byMetric.get(s.metric);
    if (!list) byMetric.set(s.metric, (list = []));
    list.push(s);
  }
  let buf = '';
  for (const metric of [...byMetric.keys()].sort()) {
    buf += `# HELP ${metric} ${escapeHelp(HELP[metric] ?? `Hallmonitor fleet metric ${metric}: the latest value of each series.`)}\n# TYPE ${metric} gauge\n`;
    for (const s of byMetric.get(metric) as LatestSample[]) {
      const t = visible.get(s.targetId) as { prefix: string; taken: Set<string> };
      let labels = t.prefix;
      for (const k in s.labels) {
        const v = s.labels[k] as string;
        if (v !== '') labels += `${labels ? ',' : ''}${sampleLabelName(k, t.taken)}="${escapeLabelValue(v)}"`;
      }
      buf += `${metric}{${labels}} ${formatValue(s.value)} ${Math.trunc(s.ts)}\n`;
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
  }
  for (const f of input.perTarget ?? []) {
    buf += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n`;
    for (const t of input.targets) {
      const v = f.value(t);
      if (v === undefined) continue;
      const base = visible.get(t.id)?.prefix ?? '';
      const extra = f.labels ? renderPairs(Object.entries(f.labels(t))) : '';
      buf += `${f.name}{${base}${base && extra ? ',' : ''}${extra}} ${formatValue(v)}\n`;
    }
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  for (const f of input.self) {
    buf += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = s.labels ? renderPairs(Object.entries(s.labels)) : '';
      buf += `${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}\n`;
    }
  }
  if (buf) yield buf;
}
