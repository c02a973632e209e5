// Disk cost of the fleet simulator's metric set in the collector's own storage
// engine: `hosts` simulated hosts × their 60 series for `hours` at the
// interval, appended per agent batch, then sealed and rolled up. A short live
// run cannot show this (chunks seal when their hour closes), so the capacity
// bench projects database growth from it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chunkedEngine } from '../storage/engines.mjs';
import { collectRound, hostSeries } from '../../fleet-sim/metric-set.mjs';

export function measureBytesPerSample({ hosts = 100, hours = 6, intervalMs = 15_000, series = 60 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-fleet-bps-'));
  const clock = { now: Date.UTC(2026, 10, 23, 0, 0, 0) };
  const engine = chunkedEngine(dir, () => clock.now);
  try {
    const fleet = Array.from({ length: hosts }, (_, i) => ({ id: `h_${i}`, host: hostSeries(i + 1, series), phase: Math.floor((i / hosts) * intervalMs) }));
    const start = clock.now;
    let samples = 0;
    for (let t = start; t < start + hours * 3_600_000; t += intervalMs) {
      clock.now = t + intervalMs;
      engine.db.transaction(() => {
        for (const h of fleet) {
          // ±40 ms of jitter around each host's phase, as real agents show.
          const ts = t + h.phase + Math.round((Math.random() - 0.5) * 80);
          const batch = collectRound(h.host, ts, intervalMs / 1000).map((s) => ({ metric: s.name, labels: s.labels, value: s.value, ts: s.timestamp }));
          engine.store.append(h.id, batch);
          samples += batch.length;
        }
      })();
      for (let i = 0; i < 20 && engine.maintain(clock.now, 50).more; i++);
    }
    for (let i = 0; i < 10_000 && engine.maintain(clock.now + 3 * 3_600_000, 1000).more; i++);
    const st = engine.store.stats();
    return { samples, bytesPerSample: st.bytesPerSample, rollupFraction: st.rollupBytes / Math.max(1, st.bytesPerSample * st.rawSamples), usedBytesPerSample: st.usedBytes / samples };
  } finally {
    engine.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
