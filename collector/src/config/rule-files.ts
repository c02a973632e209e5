import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { checkConfig } from '@hallmonitor/shared';
import { parse as parseYaml } from 'yaml';
import { CollectorError } from '../errors.js';
import type { ResolvedConfig } from './load.js';
import { RuleSchema, type RuleConfig } from './schema.js';

/** The shipped defaults (collector/rules/default-rules.yaml). */
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('../../rules/default-rules.yaml', import.meta.url));

const RuleFileSchema = Type.Object({ rules: Type.Array(RuleSchema, { default: [] }) }, { additionalProperties: false });

/** The rule files in force: configured ones (relative to the config file), else <dataDir>/rules.yaml. */
export function ruleFilePaths(config: ResolvedConfig, configPath: string | undefined): string[] {
  if (config.ruleFiles) return config.ruleFiles.map((p) => (isAbsolute(p) ? p : resolve(configPath ? dirname(configPath) : process.cwd(), p)));
  return [join(config.dataDir, 'rules.yaml')];
}

/** First start: give the technician an editable copy of the built-in rules. */
export function seedDefaultRules(paths: readonly string[], config: ResolvedConfig): void {
  const own = join(config.dataDir, 'rules.yaml');
  if (!config.ruleFiles && paths.includes(own) && !existsSync(own)) copyFileSync(DEFAULT_RULES_FILE, own);
}

/** Reads rule files; a problem is one line naming the file, the rule and the field. Missing files are errors. */
export function loadRuleFiles(paths: readonly string[]): RuleConfig[] {
  const out: RuleConfig[] = [];
  for (const path of paths) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: 100 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CollectorError('HM_CONFIG', `${path}: ${e.code === 'ENOENT' ? 'rule file not found' : `not valid YAML: ${e.message.split('\n')[0]}`}`);
    }
    const doc = Array.isArray(raw) ? { rules: raw } : (raw ?? {});
    const res = checkConfig(RuleFileSchema, doc);
    if (!res.ok) throw new CollectorError('HM_CONFIG', `${path}: ${res.field}: ${res.problem}`);
    out.push(...res.value.rules);
  }
  return out;
}
