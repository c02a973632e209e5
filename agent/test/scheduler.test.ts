import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { METRICS } from '@hallmonitor/shared';
import { NotApplicableError, type Collector, type CollectResult } from '../src/collectors/collector.js';
import { Scheduler } from '../src/scheduler.js';

const logger = pino({ level: 'silent' });
const good: Collector = { name: 'good', collect: async ({ now }) => ({ samples: [{ name: 'load1', labels: {}, value: 0.5, timestamp: now }] }) };

function selfMetric(round: Awaited<ReturnType<Scheduler['runRound']>>, name: string, collector: string): number | undefined {
  return round.samples.find((s) => s.name === name && s.labels.collector === collector)?.value;
}

describe('Scheduler owns collector failures', () => {
  it('a collector that throws is reported as that collector\'s failure; the others still report', async () => {
    const throwing: Collector = { name: 'boom', collect: async () => { throw new Error('cannot read /proc/stat'); } };
    const round = await new Scheduler({ collectors: [throwing, good], logger }).runRound();
    expect(round.outcomes.find((o) => o.name === 'boom')).toMatchObject({ status: 'error', error: 'cannot read /proc/stat' });
    expect(selfMetric(round, METRICS.collectorSuccess, 'boom')).toBe(0);
    expect(selfMetric(round, METRICS.collectorSuccess, 'good')).toBe(1);
    expect(round.samples.some((s) => s.name === 'load1')).toBe(true);
  });

  it('a collector that hangs is timed out and counted, without holding the round', async () => {
    let aborted = false;
    const hanging: Collector = {
      name: 'hang',
      collect: ({ signal }) =>
        new Promise<CollectResult>(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    };
    const started = Date.now();
    const round = await new Scheduler({ collectors: [hanging, good], logger, timeoutMs: 100 }).runRound();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(round.outcomes.find((o) => o.name === 'hang')).toMatchObject({ status: 'timeout' });
    expect(selfMetric(round, METRICS.collectorSuccess, 'hang')).toBe(0);
    expect(selfMetric(round, METRICS.collectorDurationSeconds, 'hang')).toBeGreaterThanOrEqual(0.09);
    expect(aborted).toBe(true); // the collector was told to stop its I/O
    expect(round.samples.some((s) => s.name === 'load1')).toBe(true);
  });

  it('garbage results are a failure or filtered, never passed on', async () => {
    const noResult: Collector = { name: 'undefined-result', collect: async () => undefined as unknown as CollectResult };
    const badValues: Collector = {
      name: 'bad-values',
      collect: async ({ now }) => ({ samples: [{ name: 'load1', labels: {}, value: 'high' as unknown as number, timestamp: now }, { name: 'load5', labels: {}, value: 2, timestamp: now }] }),
    };
    const round = await new Scheduler({ collectors: [noResult, badValues], logger }).runRound();
    expect(round.outcomes.find((o) => o.name === 'undefined-result')?.status).toBe('error');
    expect(round.samples.filter((s) => s.name.startsWith('load')).map((s) => s.name)).toEqual(['load5']);
  });

  it('not applicable is neither a failure nor a self-metric, and is logged once', async () => {
    const lines: string[] = [];
    const debugLogger = pino({ level: 'debug' }, { write: (l: string) => lines.push(l) });
    const na: Collector = { name: 'temperature', collect: async () => { throw new NotApplicableError('no sensor'); } };
    const s = new Scheduler({ collectors: [na], logger: debugLogger });
    const r1 = await s.runRound();
    await s.runRound();
    expect(r1.outcomes[0]?.status).toBe('not_applicable');
    expect(r1.samples).toEqual([]);
    expect(lines.filter((l) => l.includes('not applicable'))).toHaveLength(1);
  });

  it('a collector failing every round is logged on change, not every round', async () => {
    const lines: string[] = [];
    const warnLogger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    let fail = true;
    const flaky: Collector = { name: 'flaky', collect: async () => { if (fail) throw new Error('x'); return { samples: [] }; } };
    const s = new Scheduler({ collectors: [flaky], logger: warnLogger });
    await s.runRound();
    await s.runRound();
    await s.runRound();
    fail = false;
    await s.runRound();
    expect(lines.filter((l) => l.includes('collector failed'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('collector recovered'))).toHaveLength(1);
  });
});
