import { COLLECTOR_ENV, COLLECTOR_NODE_FLAGS } from './runtime-tuning.js';

/** What the collector's systemd unit needs to know. */
export interface CollectorUnitInput {
  readonly node: string;
  readonly collectorBin: string;
  readonly configFile: string;
  readonly dataDir: string;
  readonly user: string;
  /** The port it listens on: below 1024 needs CAP_NET_BIND_SERVICE. */
  readonly port: number;
}

/** systemd's quoting for one ExecStart word: double quotes, with `\`, `"`, `%` and `$` escaped. */
export function systemdQuote(word: string): string {
  if (/[\n\r\0]/.test(word)) throw new Error(`cannot put a path with a line break in a unit file: ${JSON.stringify(word)}`);
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/**
 * The collector's unit. Logs go to the journal (pino's JSON lines on stdout),
 * so rotation is journald's (SystemMaxUse=, MaxRetentionSec=), not ours.
 * Hardened like the agent's, but never MemoryDenyWriteExecute: V8's JIT needs it off.
 */
export function renderCollectorUnit(u: CollectorUnitInput): string {
  const lowPort = u.port > 0 && u.port < 1024;
  return `# Written by \`hallmonitor-collector install-service\`; run it again to update.
[Unit]
Description=Hallmonitor collector (stores what agents report, alerts, serves the API and agent downloads)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${u.user}
Group=${u.user}
${Object.entries(COLLECTOR_ENV).map(([k, v]) => `Environment=${k}=${v}`).join('\n')}
ExecStart=${[u.node, ...COLLECTOR_NODE_FLAGS, u.collectorBin, 'serve', '--config', u.configFile, '--data-dir', u.dataDir].map(systemdQuote).join(' ')}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
LimitNOFILE=65536
UMask=0027
ReadWritePaths=${systemdQuote(u.dataDir)}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
${lowPort ? 'AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE' : 'CapabilityBoundingSet='}
# Deliberately NOT MemoryDenyWriteExecute=yes: V8's JIT needs writable code pages and crashes under it.

[Install]
WantedBy=multi-user.target
`;
}

/** A first config for a new install: everything else has working defaults. */
export function renderDefaultConfig(listen: string, dataDir: string): string {
  return `# Hallmonitor collector config (docs/deploy.md). Reload: systemctl reload hallmonitor-collector
listen: ${listen}
dataDir: ${JSON.stringify(dataDir)}
tls: { mode: auto }
# updates: { percent: 100, jitter: 30m }   # agent self-update rollout; mode: paused stops it
notifiers: []
rules: []
`;
}
