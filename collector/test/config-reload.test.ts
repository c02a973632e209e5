import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { waitUntil } from './helpers.js';

describe('config reload', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-reload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('picks up rule-file changes without a restart, and keeps the old rules when the new file is bad', async () => {
    const configFile = join(dir, 'collector.yaml');
    const rulesFile = join(dir, 'school-rules.yaml');
    writeFileSync(configFile, `listen: 127.0.0.1:0\ntls: { mode: off }\nruleFiles: [school-rules.yaml]\n`);
    writeFileSync(rulesFile, `rules:\n  - { name: disk, metric: disk_used_percent, op: ">", threshold: 90 }\n`);
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const config = await loadConfig(configFile, { dataDir: join(dir, 'data') });
    const app = await buildApp(config, { logger: pino({ level: 'info' }, sink), configPath: configFile, configOverrides: { dataDir: join(dir, 'data') } });
    await app.listen();
    const names = (): string[] => app.ctx.alertManager.rules.map((r) => r.name);
    try {
      expect(names()).toEqual(['disk']);
      writeFileSync(rulesFile, `rules:\n  - { name: disk, metric: disk_used_percent, op: ">", threshold: 95 }\n  - { name: load, metric: load1, op: ">", threshold: 8, for: 10m }\n`);
      await waitUntil(() => names().length === 2, 5000, 'file change picked up');
      expect(app.ctx.alertManager.rules[0]?.threshold).toBe(95);

      writeFileSync(rulesFile, `rules:\n  - { name: broken, metric: load1, op: "=>", threshold: 1 }\n`);
      await waitUntil(() => lines.some((l) => l.includes('config reload refused')), 5000, 'refusal logged');
      expect(names()).toEqual(['disk', 'load']);
      const refusal = JSON.parse(lines.find((l) => l.includes('config reload refused'))!) as { msg: string };
      expect(refusal.msg).toMatch(/school-rules\.yaml: rules\[0\]\.op: /);

      // SIGHUP reloads too (the handler is installed while serving).
      writeFileSync(rulesFile, `rules:\n  - { name: only, metric: load1, op: ">", threshold: 1 }\n`);
      process.kill(process.pid, 'SIGHUP');
      await waitUntil(() => names().join() === 'only', 5000, 'SIGHUP reload');
    } finally {
      await app.close();
    }
  });

  it('seeds <dataDir>/rules.yaml from the built-in rules on first start', async () => {
    const data = join(dir, 'seed');
    const config = await loadConfig(undefined, { dataDir: data, listen: '127.0.0.1:0' });
    const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
    try {
      const names = app.ctx.alertManager.rules.map((r) => r.name);
      for (const n of ['agent-offline', 'disk-almost-full', 'disk-full-soon', 'memory-high', 'cpu-high', 'temperature-high', 'security-updates-pending', 'reboot-pending', 'ap-down', 'ap-overloaded-clients', 'ping-loss']) expect(names).toContain(n);
    } finally {
      await app.close();
    }
  });
});

describe('rules on unknown metrics', () => {
  it('load with a one-line warning naming the rule, not an error', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-unknown-'));
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    try {
      const config = await loadConfig(undefined, { dataDir: dir, listen: '127.0.0.1:0' });
      const withRule = { ...config, ruleFiles: [], rules: [{ name: 'typo', metric: 'dsk_used_percent', op: '>', threshold: 90, for: '0s', severity: 'warning', notify: [] }] } as unknown as typeof config;
      const app = await buildApp(withRule, { logger: pino({ level: 'info' }, sink) });
      await app.close();
      const warn = lines.map((l) => JSON.parse(l) as { level: number; msg: string; rule?: string; metric?: string }).find((l) => l.msg.includes('no target has reported'));
      expect(warn).toMatchObject({ level: 40, rule: 'typo', metric: 'dsk_used_percent' });
      expect(lines.some((l) => l.includes('disk_used_percent') && l.includes('no target has reported'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
