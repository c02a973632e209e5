import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, runCommand } from '../support/processes.js';

/*
 * The CLI contract of PRODUCT.md: every command has --help; a bad flag or a bad
 * config file is one line naming the field and a non-zero exit; paths may
 * contain spaces; a missing data directory is created, an unusable one is a
 * clear error.
 */
describe('command-line errors', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm cli '));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const col = (...args: string[]) => runCommand(process.execPath, [COLLECTOR_BIN, ...args]);
  const agent = (...args: string[]) => runCommand(process.execPath, [AGENT_BIN, ...args]);

  it.each([
    ['collector', ['--help']],
    ['collector', ['serve', '--help']],
    ['collector', ['token', 'create', '--help']],
    ['collector', ['apikey', 'create', '--help']],
    ['collector', ['alerts', '--help']],
    ['collector', ['silence', 'create', '--help']],
    ['collector', ['backup', '--help']],
    ['agent', ['--help']],
    ['agent', ['enroll', '--help']],
    ['agent', ['run', '--help']],
    ['agent', ['collect', '--help']],
  ])('%s %j prints help and exits 0', async (which, args) => {
    const r = which === 'collector' ? await col(...args) : await agent(...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage:/);
  });

  it('refuses a bad flag with one line and a non-zero exit', async () => {
    const bad = await col('serve', '--listen', 'nowhere');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/--listen: expected HOST:PORT/);
    const role = await col('apikey', 'create', '--role', 'root', '--data-dir', join(dir, 'd1'));
    expect(role.code).not.toBe(0);
    expect(role.stderr).toMatch(/--role/);
    const interval = await agent('run', '--interval', 'often');
    expect(interval.code).not.toBe(0);
    expect(interval.stderr).toMatch(/--interval/);
  });

  it('refuses a bad config file with one line naming the field', async () => {
    const file = join(dir, 'bad config.yaml');
    writeFileSync(file, 'rules:\n  - { name: x, metric: load1, op: "=>", threshold: 1 }\n');
    const r = await col('serve', '--config', file, '--data-dir', join(dir, 'd2'));
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/HM_CONFIG: .*bad config\.yaml: rules\[0\]\.op: /);
    writeFileSync(file, 'listen: [unclosed\n');
    expect((await col('token', 'create', '--config', file, '--data-dir', join(dir, 'd2'))).stderr).toMatch(/not valid YAML/);
    const agentFile = join(dir, 'agent.yaml');
    writeFileSync(agentFile, 'collector: { url: "ftp://x" }\nagent: { id: a, credential: "0123456789abcdef0123" }\n');
    const a = await agent('run', '--config', agentFile);
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toMatch(/^hallmonitor-agent: HM_AGENT_CONFIG: .*agent\.yaml: collector\.url: /);
  });

  it('creates a missing data directory (with spaces) and refuses an unusable one', async () => {
    const fresh = join(dir, 'new data dir', 'nested');
    const ok = await col('apikey', 'create', '--role', 'viewer', '--data-dir', fresh, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ key: expect.stringMatching(/^hmk_/) });
    const blocker = join(dir, 'a file');
    writeFileSync(blocker, 'not a directory');
    const bad = await col('apikey', 'create', '--role', 'viewer', '--data-dir', join(blocker, 'data'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HM_DATA_DIR: cannot create data directory/);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'read only');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      expect((await col('apikey', 'create', '--role', 'viewer', '--data-dir', ro)).stderr).toMatch(/not writable/);
    }
  });

  it('prints only {"token": …} with --json', async () => {
    const r = await col('token', 'create', '--data-dir', join(dir, 'd3'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['token']);
  });

  it('lists, acknowledges and silences alerts from a terminal', async () => {
    const d = join(dir, 'd4');
    const none = await col('alerts', '--data-dir', d);
    expect(none.stdout).toBe('no firing alerts\n');
    const s = await col('silence', 'create', '--data-dir', d, '--match', 'rule=disk-almost-full', '--match', 'label.mount=/', '--duration', '2h', '--comment', 'disk swap in lab 1');
    expect(s.code, s.stderr).toBe(0);
    const id = s.stdout.split(' ')[0]!;
    expect((await col('silence', 'list', '--data-dir', d)).stdout).toContain('"mount":"/"');
    expect((await col('silence', 'expire', id, '--data-dir', d)).stdout).toBe(`expired ${id}\n`);
    const ack = await col('ack', 'al_missing', '--data-dir', d);
    expect(ack.code).toBe(2);
    expect(ack.stderr).toMatch(/HM_NOT_FOUND/);
    expect((await col('silence', 'create', '--data-dir', d, '--match', 'colour=red', '--comment', 'x')).stderr).toMatch(/--match/);
  });
});
