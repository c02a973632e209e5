import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../src/config/load.js';
import { DownloadCatalog } from '../src/downloads/catalog.js';
import { renderInstallCommands } from '../src/downloads/one-liners.js';
import { downloadRoutes } from '../src/downloads/routes.js';
import { agentUpdateSettings } from '../src/downloads/service.js';
import { updateAdvert } from '../src/downloads/update-advert.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const REPO_SH = readFileSync(new URL('../../scripts/install/install-agent.sh', import.meta.url), 'utf8');

describe('agent downloads served by the collector', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm downloads '));
  const linux = Buffer.from('#!/bin/sh\necho linux-x64 agent\n');
  const arm = Buffer.from('arm64 agent bytes');
  let app: FastifyInstance;
  let config: ResolvedConfig;

  beforeAll(async () => {
    writeFileSync(join(dir, 'hallmonitor-agent-linux-x64'), linux);
    writeFileSync(join(dir, 'hallmonitor-agent-linux-arm64'), arm);
    writeFileSync(join(dir, 'WinSW-x64.exe'), 'winsw');
    writeFileSync(join(dir, '.hidden'), 'secret');
    writeFileSync(join(dir, 'hallmonitor-agent-linux-x64.tmp-123'), 'half written');
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: '1.2.3',
        files: {
          'hallmonitor-agent-linux-x64': { version: '1.2.3', sha256: sha(linux) },
          // A manifest that disagrees with the served file: never advertised.
          'hallmonitor-agent-linux-arm64': { version: '1.2.3', sha256: sha('something else') },
        },
      }),
    );
    config = resolveConfig({ downloads: { dir }, updates: { percent: 25, pilot: ['lab-pc-01'], jitter: '10m', trialPeriod: '2m' } }, 'test', { dataDir: join(dir, 'data') });
    app = Fastify();
    await app.register(async (scope) => downloadRoutes(scope, { config }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves SHA256SUMS computed from the files actually there, in sha256sum -c format', async () => {
    const res = await app.inject({ method: 'GET', url: '/downloads/SHA256SUMS' });
    expect(res.statusCode).toBe(200);
    expect(res.body.trim().split('\n').sort()).toEqual(
      [`${sha('winsw')}  WinSW-x64.exe`, `${sha(arm)}  hallmonitor-agent-linux-arm64`, `${sha(linux)}  hallmonitor-agent-linux-x64`].sort(),
    );
  });

  it('serves a file with its length and checksum, and nothing outside the allow-list', async () => {
    const res = await app.inject({ method: 'GET', url: '/downloads/hallmonitor-agent-linux-x64' });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(linux)).toBe(true);
    expect(res.headers['content-length']).toBe(String(linux.length));
    expect(res.headers['x-content-sha256']).toBe(sha(linux));
    for (const url of ['/downloads/.hidden', '/downloads/..%2F..%2Fetc%2Fpasswd', '/downloads/hallmonitor-agent-linux-x64.tmp-123', '/downloads/nope']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
    }
  });

  it('serves the install scripts (falling back to the repository copies) without auth', async () => {
    const sh = await app.inject({ method: 'GET', url: '/install.sh' });
    expect(sh.statusCode).toBe(200);
    expect(sh.body).toBe(REPO_SH);
    expect(sh.headers['x-content-sha256']).toBe(sha(REPO_SH));
    const ps = await app.inject({ method: 'GET', url: '/install.ps1' });
    expect(ps.statusCode).toBe(200);
    expect(ps.body).toContain('param(');
  });

  it('advertises only files whose served checksum matches the build manifest', async () => {
    const settings = agentUpdateSettings(config) as { update?: Record<string, unknown> };
    expect(settings.update).toEqual({
      version: '1.2.3',
      files: { 'linux-x64': { file: 'hallmonitor-agent-linux-x64', sha256: sha(linux), size: linux.length } },
      percent: 25,
      pilot: ['lab-pc-01'],
      jitterSeconds: 600,
      trialSeconds: 120,
      checkSeconds: 3600,
    });
  });

  it('serves the advert at /downloads/update.json for agents between connections', async () => {
    const res = await app.inject({ method: 'GET', url: '/downloads/update.json' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { update: { version: string } }).update.version).toBe('1.2.3');
  });

  it('notices a replaced file on the next look', async () => {
    const c = new DownloadCatalog(dir, () => now);
    let now = 1_000_000;
    const first = await c.current();
    const next = Buffer.from('a newer build');
    writeFileSync(join(dir, 'hallmonitor-agent-linux-arm64'), next);
    utimesSync(join(dir, 'hallmonitor-agent-linux-arm64'), new Date(), new Date(Date.now() + 5000));
    expect((await c.current()).files.get('hallmonitor-agent-linux-arm64')?.sha256).toBe(first.files.get('hallmonitor-agent-linux-arm64')?.sha256);
    now += 10_000;
    expect((await c.current()).files.get('hallmonitor-agent-linux-arm64')?.sha256).toBe(sha(next));
    writeFileSync(join(dir, 'hallmonitor-agent-linux-arm64'), arm);
  });
});

describe('update advert policy', () => {
  const snap = {
    dir: '/x',
    files: new Map([['hallmonitor-agent-windows-x64.exe', { name: 'hallmonitor-agent-windows-x64.exe', path: '/x/w', size: 10, mtimeMs: 1, sha256: 'a'.repeat(64) }]]),
    manifest: { version: '2.0.0', files: { 'hallmonitor-agent-windows-x64.exe': { version: '2.0.0', sha256: 'a'.repeat(64) } } },
    scripts: { sh: undefined, ps1: undefined },
  };
  const base = { mode: 'auto' as const, percent: 100, pilot: [], jitter: '0s', trialPeriod: '3m', checkInterval: '1h' };

  it('advertises the served version to everyone by default', () => {
    expect(updateAdvert(base, snap)).toMatchObject({ version: '2.0.0', files: { 'win32-x64': { file: 'hallmonitor-agent-windows-x64.exe' } }, percent: 100, jitterSeconds: 0, trialSeconds: 180 });
  });
  it('advertises nothing when paused, or pinned to another version', () => {
    expect(updateAdvert({ ...base, mode: 'paused' }, snap)).toBeUndefined();
    expect(updateAdvert({ ...base, pinVersion: '1.9.0' }, snap)).toBeUndefined();
    expect(updateAdvert({ ...base, pinVersion: '2.0.0' }, snap)).toBeDefined();
  });
  it('advertises nothing without a manifest version', () => {
    expect(updateAdvert(base, { ...snap, manifest: {} })).toBeUndefined();
  });
});

describe('install one-liners', () => {
  const token = 'hm1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
  const cmds = renderInstallCommands({ collectorUrl: 'https://closet-server:8470/', token, shSha256: 'c'.repeat(64), ps1Sha256: 'd'.repeat(64) });

  it('checks the script checksum before running it with the token', () => {
    expect(cmds.linux).toBe(
      `f=$(mktemp) && curl -fsS -k https://closet-server:8470/install.sh -o "$f" && echo "${'c'.repeat(64)}  $f" | sha256sum -c --quiet && sudo sh "$f" --collector 'https://closet-server:8470' --token '${token}'; rm -f "$f"`,
    );
    expect(cmds.windows).toContain(`if ((Get-FileHash $f -Algorithm SHA256).Hash -ne '${'d'.repeat(64)}') { throw 'install.ps1 checksum mismatch' }`);
    expect(cmds.windows).toContain(`-File $f -Collector 'https://closet-server:8470' -Token '${token}'`);
    expect(cmds.windows.indexOf('ServerCertificateValidationCallback = $null')).toBeLessThan(cmds.windows.indexOf('Get-FileHash'));
  });

  it('refuses anything a shell could interpret', () => {
    expect(() => renderInstallCommands({ collectorUrl: "https://x:1/'; rm -rf /", token })).toThrow(/collector URL/);
    expect(() => renderInstallCommands({ collectorUrl: 'https://x:1', token: `${token}'$(id)` })).toThrow(/token/);
    expect(() => renderInstallCommands({ collectorUrl: 'https://x:1', token, shSha256: 'zz' })).toThrow(/checksum/);
  });

  it('plain http drops -k', () => {
    expect(renderInstallCommands({ collectorUrl: 'http://10.0.0.5:8470', token }).linux).toContain('curl -fsS http://10.0.0.5:8470/install.sh');
  });
});
