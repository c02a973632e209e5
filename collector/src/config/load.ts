import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { checkConfig, deepFreeze, parseDuration, validateDevices } from '@hallmonitor/shared';
import { parse as parseYaml } from 'yaml';
import { CollectorError } from '../errors.js';
import { checkExportConfig } from '../export/config-check.js';
import { CollectorConfigSchema, type CollectorConfig } from './schema.js';

/** A fully resolved config: every default applied, data dir decided, frozen. */
export type ResolvedConfig = Readonly<CollectorConfig & { dataDir: string }>;

export interface ConfigOverrides {
  readonly dataDir?: string;
  readonly listen?: string;
}

export function defaultDataDir(): string {
  if (process.env.HALLMONITOR_DATA_DIR) return process.env.HALLMONITOR_DATA_DIR;
  if (process.platform !== 'win32' && process.getuid?.() === 0) return '/var/lib/hallmonitor';
  return join(process.env.XDG_DATA_HOME ?? join(os.homedir(), '.local', 'share'), 'hallmonitor');
}

/** `${NAME}` in any string value is replaced from the environment; a missing variable is an error naming the field. */
function interpolateEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, source: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new CollectorError('HM_CONFIG', `${source}: ${path || '(root)'}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, `${path}[${i}]`, env, source));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, path ? `${path}.${k}` : k, env, source)]));
  }
  return value;
}

/** Checks that go beyond the schema: references between sections and URL syntax. */
function checkSemantics(c: CollectorConfig, source: string): void {
  const fail = (field: string, problem: string): never => {
    throw new CollectorError('HM_CONFIG', `${source}: ${field}: ${problem}`);
  };
  const notifierNames = new Set<string>();
  c.notifiers.forEach((n, i) => {
    if (notifierNames.has(n.name)) fail(`notifiers[${i}].name`, `duplicate notifier name ${n.name}`);
    notifierNames.add(n.name);
    if (n.type !== 'email') {
      if (!n.url) fail(`notifiers[${i}].url`, `is required for notifier ${n.name}`);
      let u: URL | undefined;
      try {
        u = new URL(n.url as string);
      } catch {
        fail(`notifiers[${i}].url`, `not a valid URL for notifier ${n.name}`);
      }
      if (u && u.protocol !== 'https:' && u.protocol !== 'http:') fail(`notifiers[${i}].url`, `scheme ${u.protocol} is not allowed for notifier ${n.name}`);
    }
    if (n.type === 'webhook') {
      const secrets = n.secret === undefined ? [] : Array.isArray(n.secret) ? n.secret : [n.secret];
      if (secrets.length === 0) fail(`notifiers[${i}].secret`, `is required for webhook notifier ${n.name}`);
      secrets.forEach((s) => {
        if (!/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(s)) fail(`notifiers[${i}].secret`, 'must be whsec_ followed by base64 (at least 12 bytes)');
      });
    }
    if (n.timeout !== undefined && parseDuration(n.timeout) === undefined) fail(`notifiers[${i}].timeout`, 'not a duration');
    if (n.type === 'email') {
      const e = n as unknown as { smtp?: { host?: unknown; port?: unknown; security?: unknown }; from?: unknown; to?: unknown };
      if (!e.smtp || typeof e.smtp.host !== 'string' || !e.smtp.host) fail(`notifiers[${i}].smtp.host`, `is required for email notifier ${n.name}`);
      if (e.smtp?.port !== undefined && (!Number.isInteger(e.smtp.port) || (e.smtp.port as number) < 1 || (e.smtp.port as number) > 65535)) fail(`notifiers[${i}].smtp.port`, 'must be a port number');
      if (e.smtp?.security !== undefined && !['starttls', 'tls', 'none'].includes(String(e.smtp.security))) fail(`notifiers[${i}].smtp.security`, 'must be starttls, tls or none');
      if (typeof e.from !== 'string' || !e.from.includes('@')) fail(`notifiers[${i}].from`, `needs a sender address for email notifier ${n.name}`);
      if (!Array.isArray(e.to) || e.to.length === 0 || !e.to.every((x) => typeof x === 'string' && x.includes('@'))) fail(`notifiers[${i}].to`, `needs a list of recipient addresses for email notifier ${n.name}`);
    }
  });
  const ruleNames = new Set<string>();
  c.rules.forEach((r, i) => {
    if (ruleNames.has(r.name)) fail(`rules[${i}].name`, `duplicate rule name ${r.name}`);
    ruleNames.add(r.name);
    r.notify.forEach((n, j) => {
      if (!notifierNames.has(n)) fail(`rules[${i}].notify[${j}]`, `no notifier named ${n}`);
    });
    if (parseDuration(r.for) === undefined) fail(`rules[${i}].for`, 'not a duration');
  });
  checkExportConfig(c, fail);
  if (c.tls.mode === 'files' && (!c.tls.certFile || !c.tls.keyFile)) fail('tls', 'mode files needs certFile and keyFile');
  try {
    validateDevices(c.devices, 'devices');
  } catch (err) {
    // One line naming the entry and field; never a credential.
    throw new CollectorError('HM_CONFIG', `${source}: ${(err as Error).message}`);
  }
  c.devices.forEach((d, i) => {
    const poller = (d as { poller?: unknown }).poller;
    if (poller !== undefined && (typeof poller !== 'string' || poller === '')) fail(`devices[${i}].poller`, 'must be the name of the agent that polls this device');
  });
  const port = Number(c.listen.slice(c.listen.lastIndexOf(':') + 1));
  if (port > 65535) fail('listen', `port ${port} is out of range`);
}

/** Validates already-parsed config data (from YAML, or {} when there is no file). */
export function resolveConfig(raw: unknown, source: string, overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new CollectorError('HM_CONFIG', `${source}: the file must hold a YAML mapping`);
  }
  const interpolated = interpolateEnv(raw ?? {}, '', env, source) as Record<string, unknown>;
  const merged = {
    ...interpolated,
    ...(overrides.listen ? { listen: overrides.listen } : {}),
    ...(overrides.dataDir ? { dataDir: overrides.dataDir } : {}),
  };
  const res = checkConfig(CollectorConfigSchema, merged);
  if (!res.ok) throw new CollectorError('HM_CONFIG', `${source}: ${res.field}: ${res.problem}`);
  const thawed = structuredClone(res.value) as CollectorConfig;
  checkSemantics(thawed, source);
  return deepFreeze({ ...thawed, dataDir: thawed.dataDir ?? defaultDataDir() });
}

/** Reads the YAML config file (if any) and resolves it. */
export async function loadConfig(path: string | undefined, overrides: ConfigOverrides = {}): Promise<ResolvedConfig> {
  if (!path) return resolveConfig({}, '(defaults)', overrides);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CollectorError('HM_CONFIG', `cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new CollectorError('HM_CONFIG', `${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return resolveConfig(raw, path, overrides);
}
