import { toWireValue, type WireSample } from '@hallmonitor/shared';
import type { Sample } from './collectors/collector.js';

export function toWireSamples(samples: readonly Sample[]): WireSample[] {
  return samples.map((s) => ({ name: s.name, labels: { ...s.labels }, value: toWireValue(s.value), timestamp: Math.round(s.timestamp) }));
}
