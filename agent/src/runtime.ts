import { randomBytes } from 'node:crypto';
import { type HostFacts, WIRE_LIMITS, parseDuration } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { createCollectors } from './collectors/registry.js';
import type { AgentConfig } from './config.js';
import { Scheduler } from './scheduler.js';
import { toWireSamples } from './to-wire.js';
import { Connection } from './transport/connection.js';
import { Outbox } from './transport/outbox.js';
import { pinnedTlsOptions } from './transport/tls.js';
import { AGENT_VERSION } from './version.js';

export interface RunningAgent {
  readonly connection: Connection;
  stop(): Promise<void>;
}

function completeFacts(f: Partial<HostFacts>): HostFacts {
  return { hostname: f.hostname ?? 'unknown', os: f.os ?? process.platform, kernel: f.kernel ?? 'unknown', arch: f.arch ?? process.arch, ...f };
}

/**
 * The long-running agent: collect on an interval (offset by a random phase so
 * agents started together do not report in lock-step), queue batches, and let
 * the connection deliver them.
 */
export async function startAgent(config: AgentConfig, logger: Logger, overrides: { intervalMs?: number } = {}): Promise<RunningAgent> {
  const log = logger.child({ module: 'agent' });
  const scheduler = new Scheduler({ collectors: createCollectors({ disabled: config.collectors.disabled, ...(config.dataDir ? { dataDir: config.dataDir } : {}) }), logger });
  const outbox = new Outbox();
  // A new epoch per process: the in-memory outbox does not survive a restart, so sequences restart too.
  const epoch = randomBytes(9).toString('base64url');
  let intervalMs = overrides.intervalMs ?? parseDuration(config.interval) ?? 15_000;

  const first = await scheduler.runRound();
  let facts = completeFacts(first.facts);

  const connection = new Connection({
    url: config.collector.url,
    tls: pinnedTlsOptions(config.collector.ca, config.collector.pin),
    agentId: config.agent.id,
    credential: config.agent.credential,
    epoch,
    outbox,
    logger,
    hello: () => ({ agentVersion: AGENT_VERSION, facts }),
    onSettings: (s) => {
      if (s.intervalSeconds && overrides.intervalMs === undefined && s.intervalSeconds * 1000 !== intervalMs) {
        intervalMs = s.intervalSeconds * 1000;
        log.info({ intervalMs }, 'collection interval set by collector');
        reschedule();
      }
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return; // a slow round is never stacked on another
    running = true;
    try {
      const round = await scheduler.runRound();
      facts = completeFacts({ ...facts, ...round.facts });
      const wire = toWireSamples(round.samples);
      for (let i = 0; i < wire.length; i += WIRE_LIMITS.maxSamplesPerBatch) {
        outbox.push(wire.slice(i, i + WIRE_LIMITS.maxSamplesPerBatch));
      }
      connection.flush();
    } catch (err) {
      log.error({ err }, 'collection round failed');
    } finally {
      running = false;
    }
  };
  function reschedule(): void {
    clearInterval(timer);
    const phase = Math.floor(Math.random() * intervalMs);
    timer = setTimeout(() => {
      void tick();
      timer = setInterval(() => void tick(), intervalMs);
    }, phase);
  }

  connection.start();
  reschedule();
  log.info({ agentId: config.agent.id, collector: config.collector.url, intervalMs }, 'agent started');

  return {
    connection,
    async stop(): Promise<void> {
      clearTimeout(timer);
      clearInterval(timer);
      await connection.stop();
      await scheduler.close();
    },
  };
}
