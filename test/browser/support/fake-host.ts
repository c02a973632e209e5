import { randomBytes } from 'node:crypto';
import { loadAgentConfig } from '@hallmonitor/agent';
import { PROTOCOL_VERSION, type WireSample } from '@hallmonitor/shared';
import WebSocket from 'ws';

export interface FakeHostOptions {
  /** An agent config written by `hallmonitor-agent enroll` (real enrollment, real credential). */
  readonly agentConfig: string;
  readonly facts: Readonly<Record<string, string | number | boolean>>;
  /** Samples sent once after the hello (history, patch state), oldest first. */
  readonly backfill: readonly WireSample[];
  /** Samples sent every second while connected, so the host stays up (each gets the current time). */
  readonly heartbeat: ReadonlyArray<Omit<WireSample, 'timestamp'>>;
}

export interface FakeHost {
  readonly agentId: string;
  stop(): Promise<void>;
}

/**
 * A host that speaks the agent's wire protocol over the real ingest WebSocket
 * with a really enrolled credential, so the collector stores its data exactly
 * as an agent's. Used for what a real agent cannot produce in a short test:
 * days of history and chosen patch states.
 */
export async function startFakeHost(opts: FakeHostOptions): Promise<FakeHost> {
  const cfg = await loadAgentConfig(opts.agentConfig);
  const url = new URL(cfg.collector.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/api/v1/agent/ws';
  const ws = new WebSocket(url, {
    headers: { authorization: `Bearer ${cfg.agent.id}.${cfg.agent.credential}` },
    ...(cfg.collector.ca ? { ca: cfg.collector.ca, checkServerIdentity: () => undefined } : {}),
  });
  const epoch = randomBytes(9).toString('base64url');
  let seq = 0;
  let lastAcked = 0;
  const acked: Array<() => void> = [];
  const send = (samples: readonly WireSample[]): number => {
    seq += 1;
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'metrics', epoch, seq, samples }));
    return seq;
  };
  const waitAck = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake host ${cfg.agent.name ?? cfg.agent.id}: no ack for ${n}`)), 20_000);
      const check = (): void => {
        if (lastAcked >= n) {
          clearTimeout(timer);
          resolve();
        } else acked.push(check);
      };
      check();
    });

  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', agentId: cfg.agent.id, agentVersion: 'browser-test', protocolVersion: PROTOCOL_VERSION, epoch, facts: opts.facts }));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; seq?: number; message?: string };
      if (msg.type === 'welcome') resolve();
      else if (msg.type === 'ack' && typeof msg.seq === 'number') {
        lastAcked = Math.max(lastAcked, msg.seq);
        for (const f of acked.splice(0)) f();
      } else if (msg.type === 'error') reject(new Error(`collector refused the fake host: ${msg.message ?? ''}`));
    });
  });

  // Batches well under the wire limits (2000 samples, 256 KB).
  let last = 0;
  for (let i = 0; i < opts.backfill.length; i += 1000) last = send(opts.backfill.slice(i, i + 1000));
  if (last > 0) await waitAck(last);

  const beat = (): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    send(opts.heartbeat.map((s) => ({ ...s, timestamp: now })));
  };
  beat();
  const timer = setInterval(beat, 1000);
  return {
    agentId: cfg.agent.id,
    async stop(): Promise<void> {
      clearInterval(timer);
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(resolve, 2000).unref();
      });
    },
  };
}

/** Seven days of the 20 host series a busy server reports, every 5 minutes, ending now. */
export function weekOfHostHistory(now: number): WireSample[] {
  const out: WireSample[] = [];
  const stepMs = 5 * 60_000;
  const start = now - 7 * 86_400_000;
  const mounts = ['/', '/boot', '/home', '/srv', '/var'];
  const ifaces = ['eth0', 'eth1', 'eth2', 'wlan0', 'bond0'];
  for (let t = start, i = 0; t <= now - stepMs; t += stepMs, i++) {
    const day = Math.sin((i / 288) * 2 * Math.PI);
    const wobble = Math.sin(i * 0.7) * 3;
    const add = (name: string, value: number, labels: Record<string, string> = {}): void => {
      out.push({ name, labels, value: Math.round(value * 100) / 100, timestamp: t });
    };
    add('cpu_usage_percent', Math.max(1, 35 + 25 * day + wobble));
    add('load1', Math.max(0.05, 1.2 + day + wobble / 10));
    add('memory_used_percent', 55 + 10 * day + wobble / 2);
    add('swap_used_percent', 4 + (i % 500) / 100);
    mounts.forEach((mount, k) => add('disk_used_percent', 20 + k * 14 + (i / 2016) * 6, { mount }));
    ifaces.forEach((iface, k) => {
      add('network_receive_bytes_per_second', Math.max(0, (k + 1) * 40_000 * (1.5 + day) + wobble * 1000), { interface: iface });
      add('network_transmit_bytes_per_second', Math.max(0, (k + 1) * 15_000 * (1.5 + day) + wobble * 500), { interface: iface });
    });
    add('cpu_temperature_celsius', 48 + 8 * day + wobble / 2);
  }
  return out;
}

/** The patch series an agent reports, as of `now`. */
export function patchSamples(now: number, p: { pending: number; security: number; reboot: boolean; lastInstallDaysAgo: number }): WireSample[] {
  const s = (name: string, value: number): WireSample => ({ name, labels: {}, value, timestamp: now });
  return [
    s('patch_pending_updates', p.pending),
    s('patch_pending_security_updates', p.security),
    s('patch_reboot_required', p.reboot ? 1 : 0),
    s('patch_last_install_timestamp_seconds', Math.floor((now - p.lastInstallDaysAgo * 86_400_000) / 1000)),
    s('patch_last_check_timestamp_seconds', Math.floor((now - 3_600_000) / 1000)),
  ];
}
