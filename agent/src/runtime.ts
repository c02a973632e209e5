import { join } from 'node:path';
import { type HostFacts, WIRE_LIMITS, parseDuration, validateDevices } from '@hallmonitor/shared';
import type { Logger } from 'pino';
import { createCollectors } from './collectors/registry.js';
import { DEFAULT_SPOOL_MAX_BYTES, parseByteSize, type AgentConfig } from './config.js';
import { resolveDataDir } from './data-dir.js';
import { Scheduler } from './scheduler.js';
import { DeviceRunner } from './snmp/device-runner.js';
import { Spool } from './spool/spool.js';
import { toWireSamples } from './to-wire.js';
import { Connection } from './transport/connection.js';
import { pinnedTlsOptions } from './transport/tls.js';
import { SelfUpdater } from './update/self-updater.js';
import { AGENT_VERSION } from './version.js';

export interface RunningAgent {
  readonly connection: Connection;
  readonly spool: Spool;
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
  // One spool per enrolled identity: a re-enrolled machine must never send its old identity's batches as its own.
  const spoolDir = join(await resolveDataDir(config.dataDir), 'spool', config.agent.id);
  // The spool keeps its epoch and sequence across restarts, so the collector's high-water mark stays meaningful.
  const spool = Spool.open({
    dir: spoolDir,
    maxBytes: parseByteSize(config.spool.maxBytes) ?? DEFAULT_SPOOL_MAX_BYTES,
    maxAgeMs: parseDuration(config.spool.maxAge) ?? 14 * 86_400_000,
    onGap: (gap) => log.warn({ gap }, 'spool dropped undelivered data; the gap is reported to the collector'),
  });
  const r = spool.repair;
  if (r.quarantinedRecords + r.tornTails + r.quarantinedFiles > 0) log.warn({ spoolDir, ...r }, 'spool repaired at start-up; damaged bytes moved to quarantine/');
  log.info({ spoolDir, epoch: spool.epoch, nextSeq: spool.nextSeq, queued: spool.size, bytes: spool.bytes }, 'spool opened');
  let intervalMs = overrides.intervalMs ?? parseDuration(config.interval) ?? 15_000;

  const first = await scheduler.runRound();
  let facts = completeFacts(first.facts);

  // Self-update acts only in the single-executable build run as a service; it stops this agent before restarting.
  const updater = new SelfUpdater({ collectorUrl: config.collector.url, tls: pinnedTlsOptions(config.collector.ca, config.collector.pin), agentId: config.agent.id, ...(config.agent.name ? { agentName: config.agent.name } : {}), version: AGENT_VERSION, logger, stopAgent: () => self.stop() });
  const connection = new Connection({
    url: config.collector.url,
    tls: pinnedTlsOptions(config.collector.ca, config.collector.pin),
    agentId: config.agent.id,
    credential: config.agent.credential,
    spool,
    logger,
    drain: { samplesPerSecond: config.spool.drainRate },
    hello: () => ({ agentVersion: AGENT_VERSION, facts }),
    onSettings: (s) => {
      updater.onSettings(s);
      if (s.devices !== undefined || s.devicePollSeconds !== undefined) devices.setRemote(s.devices, s.devicePollSeconds);
      if (s.intervalSeconds && overrides.intervalMs === undefined && s.intervalSeconds * 1000 !== intervalMs) {
        intervalMs = s.intervalSeconds * 1000;
        log.info({ intervalMs }, 'collection interval set by collector');
        reschedule();
      }
    },
  });

  // Wi-Fi APs and controllers over SNMP: their own timer, their samples through the same spool.
  const devices = new DeviceRunner({
    logger,
    localDevices: validateDevices(config.devices ?? []),
    pollIntervalMs: parseDuration(config.devicePoll) ?? 60_000,
    sendTargets: (msg) => connection.sendTransient(msg),
    pushSamples: (samples) => connection.flush(spool.push(samples)),
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
        connection.flush(spool.push(wire.slice(i, i + WIRE_LIMITS.maxSamplesPerBatch)));
      }
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

  await updater.start();
  connection.start();
  reschedule();
  devices.start();
  log.info({ agentId: config.agent.id, collector: config.collector.url, intervalMs }, 'agent started');

  const self: RunningAgent = {
    connection,
    spool,
    async stop(): Promise<void> {
      await updater.stop();
      await devices.stop();
      clearTimeout(timer);
      clearInterval(timer);
      await connection.stop();
      await scheduler.close();
      spool.close();
    },
  };
  return self;
}
