import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { checkConfig, parseDuration, validateDevices } from '@hallmonitor/shared';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { AgentError } from './errors.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' });
/** A byte count: a number, or text such as `256MB` / `1GiB` (units are powers of 1024). */
const ByteSize = Type.Union([Type.Integer({ minimum: 64 * 1024 }), Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB)$' })]);

export const AgentConfigSchema = Type.Object(
  {
    collector: Type.Object(
      {
        url: Type.String({ pattern: '^(https|http|wss|ws)://[^\\s/]+(/.*)?$' }),
        /** SPKI pin of the collector's CA (auto TLS) or certificate, from the token. */
        pin: Type.Optional(Type.String({ pattern: '^sha256/[A-Za-z0-9+/]{43}=$' })),
        /** Trust anchor PEM fetched and verified against the pin at enrollment. */
        ca: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    agent: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64 }),
        credential: Type.String({ minLength: 16, maxLength: 256 }),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      },
      { additionalProperties: false },
    ),
    interval: Type.String({ ...Duration, default: '15s' }),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    /** The disk spool that keeps batches while the collector is unreachable (under dataDir/spool/). */
    spool: Type.Object(
      {
        /** Byte cap; at the cap the oldest data is dropped and a gap is reported. */
        maxBytes: Type.Optional(ByteSize),
        /** Time cap; older spooled data is dropped (and reported as a gap). */
        maxAge: Type.String({ ...Duration, default: '14d' }),
        /** Samples per second while resending a backlog (keep below the collector's per-agent limit). */
        drainRate: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    collectors: Type.Object(
      { disabled: Type.Array(Type.String(), { default: [] }) },
      { additionalProperties: false, default: {} },
    ),
    /** SNMP devices this agent polls on its own (standalone use); the collector can assign more. */
    devices: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 2000 })),
    /** How often to poll devices. */
    devicePoll: Type.String({ ...Duration, default: '60s' }),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfigSchema>;

export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

/** Bytes of a ByteSize config value; undefined for malformed text (the schema refuses it first). */
export function parseByteSize(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)$/.exec(v);
  if (!m) return undefined;
  const unit = { B: 1, KB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2, GB: 1024 ** 3, GiB: 1024 ** 3 }[m[2] as 'B'];
  return Math.floor(Number(m[1]) * unit);
}

export function defaultAgentConfigPath(): string {
  if (process.env.HALLMONITOR_AGENT_CONFIG) return process.env.HALLMONITOR_AGENT_CONFIG;
  if (process.platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'Hallmonitor', 'agent.yaml');
  return '/etc/hallmonitor/agent.yaml';
}

/** Reads, validates and freezes the agent config; any problem is one AgentError line naming the field. */
export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (run `hallmonitor-agent enroll` first)' : '';
    throw new AgentError('HM_AGENT_CONFIG', `cannot read config ${path}: ${code ?? (err as Error).message}${hint}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new AgentError('HM_AGENT_CONFIG', `${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateAgentConfig(raw, path);
}

export function validateAgentConfig(raw: unknown, source: string): AgentConfig {
  const res = checkConfig(AgentConfigSchema, raw);
  if (!res.ok) throw new AgentError('HM_AGENT_CONFIG', `${source}: ${res.field}: ${res.problem}`);
  try {
    validateDevices(res.value.devices ?? [], 'devices');
  } catch (err) {
    throw new AgentError('HM_AGENT_CONFIG', `${source}: ${(err as Error).message}`);
  }
  const interval = parseDuration(res.value.interval) ?? 0;
  if (interval < 1000) throw new AgentError('HM_AGENT_CONFIG', `${source}: interval: must be at least 1s`);
  const spoolBytes = parseByteSize(res.value.spool.maxBytes);
  if (spoolBytes !== undefined && spoolBytes < 64 * 1024) throw new AgentError('HM_AGENT_CONFIG', `${source}: spool.maxBytes: must be at least 64KiB`);
  return res.value;
}

/**
 * Writes the config atomically with owner-only permissions: it holds this
 * agent's credential, which nobody else on the machine may read.
 */
export async function writeAgentConfig(path: string, config: AgentConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const header = '# Hallmonitor agent config, written by `hallmonitor-agent enroll`. Holds a secret: keep it 0600.\n';
  await writeFile(tmp, header + toYaml(config), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
