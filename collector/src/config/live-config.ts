import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { CollectorError } from '../errors.js';
import { compileRules, type Rule } from '../rules/compile.js';
import { isValidTimeZone } from '../rules/schedule.js';
import { loadConfig, type ConfigOverrides, type ResolvedConfig } from './load.js';
import { loadRuleFiles, ruleFilePaths } from './rule-files.js';

export interface LiveSnapshot {
  readonly config: ResolvedConfig;
  readonly rules: readonly Rule[];
}

/** Builds a snapshot: config rules + rule files, cross-checked against the notifiers. */
export function snapshotOf(config: ResolvedConfig, configPath: string | undefined, knownMetrics?: ReadonlySet<string>, log?: Logger): LiveSnapshot {
  const fileRules = loadRuleFiles(ruleFilePaths(config, configPath));
  const all = [...config.rules, ...fileRules];
  const notifiers = new Set(config.notifiers.map((n) => n.name));
  const names = new Set<string>();
  for (const r of all) {
    if (names.has(r.name)) throw new CollectorError('HM_CONFIG', `rules: duplicate rule name ${r.name} (config and rule files together)`);
    names.add(r.name);
    for (const n of r.notify) if (!notifiers.has(n)) throw new CollectorError('HM_CONFIG', `rules: rule ${r.name} notifies ${n}, but there is no notifier of that name`);
  }
  for (const n of config.notify.default) if (!notifiers.has(n)) throw new CollectorError('HM_CONFIG', `notify.default: no notifier named ${n}`);
  for (const s of config.schedules) if (!isValidTimeZone(s.timezone)) throw new CollectorError('HM_CONFIG', `schedules: ${s.name}: unknown time zone ${s.timezone}`);
  if (knownMetrics && log) {
    // A rule on a metric nobody sends is usually a typo; it is allowed (the agent may come later) but said.
    for (const r of all) if (!knownMetrics.has(r.metric)) log.warn({ rule: r.name, metric: r.metric }, 'rule watches a metric no target has reported yet');
  }
  return { config, rules: compileRules(all, config.notify.default) };
}

/**
 * The config in force, reloadable without a restart (SIGHUP or a change to
 * the config or a rule file). A bad file keeps the previous config and logs one
 * line naming the problem. Listen address, TLS and data dir need a restart.
 */
export class LiveConfig {
  #snap: LiveSnapshot;
  readonly #path: string | undefined;
  readonly #overrides: ConfigOverrides;
  readonly #log: Logger;
  readonly #listeners: Array<(s: LiveSnapshot) => void> = [];
  #watchers: FSWatcher[] = [];
  #debounce: NodeJS.Timeout | undefined;
  #onHup = (): void => void this.reload('SIGHUP');

  readonly #knownMetrics: (() => ReadonlySet<string>) | undefined;

  constructor(initial: LiveSnapshot, path: string | undefined, overrides: ConfigOverrides, logger: Logger, knownMetrics?: () => ReadonlySet<string>) {
    this.#knownMetrics = knownMetrics;
    this.#snap = initial;
    this.#path = path;
    this.#overrides = overrides;
    this.#log = logger.child({ module: 'config' });
  }

  get current(): LiveSnapshot {
    return this.#snap;
  }

  onChange(fn: (s: LiveSnapshot) => void): void {
    this.#listeners.push(fn);
  }

  /** Re-reads everything; returns true when the new config took effect. */
  async reload(reason: string): Promise<boolean> {
    try {
      const config = await loadConfig(this.#path, this.#overrides);
      const next = snapshotOf(config, this.#path, this.#knownMetrics?.(), this.#log);
      const prev = this.#snap.config;
      if (config.listen !== prev.listen || config.dataDir !== prev.dataDir || JSON.stringify(config.tls) !== JSON.stringify(prev.tls)) {
        this.#log.warn({ reason }, 'listen, dataDir and tls changes take effect after a restart');
      }
      this.#snap = next;
      for (const l of this.#listeners) l(next);
      this.#log.info({ reason, rules: next.rules.length, notifiers: config.notifiers.length }, 'config reloaded');
      this.#rewatch();
      return true;
    } catch (err) {
      this.#log.error({ reason }, `config reload refused, keeping the previous config: ${(err as Error).message}`);
      return false;
    }
  }

  /** Watches the config and rule files, and listens for SIGHUP. */
  start(): void {
    process.on('SIGHUP', this.#onHup);
    this.#rewatch();
  }

  stop(): void {
    process.off('SIGHUP', this.#onHup);
    clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }

  #rewatch(): void {
    for (const w of this.#watchers) w.close();
    const files = [...(this.#path ? [this.#path] : []), ...ruleFilePaths(this.#snap.config, this.#path)];
    this.#watchers = [];
    for (const f of files) {
      try {
        // Editors replace files (rename), so a watcher may die; it is re-armed after every reload.
        this.#watchers.push(
          watch(f, { persistent: false }, () => {
            clearTimeout(this.#debounce);
            this.#debounce = setTimeout(() => void this.reload(`file changed: ${f}`), 300);
          }),
        );
      } catch {
        this.#log.debug({ file: f }, 'cannot watch file');
      }
    }
  }
}
