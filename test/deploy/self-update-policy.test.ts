import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAdvert, type UpdateAdvert } from '../../agent/src/update/advert.js';
import { decideUpdate, rolloutBucket } from '../../agent/src/update/policy.js';
import { readUpdateState, writeUpdateState } from '../../agent/src/update/state.js';
import { dropPrevious, prevPath, rollBack, swapIn } from '../../agent/src/update/swap.js';

const advert: UpdateAdvert = {
  version: '2.0.0',
  files: { 'linux-x64': { file: 'hallmonitor-agent-linux-x64', sha256: 'a'.repeat(64), size: 100 } },
  percent: 100,
  pilot: [],
  jitterSeconds: 600,
  trialSeconds: 180,
};
const me = { agentId: 'ag_1', name: 'lab-pc-01', version: '1.0.0', platformKey: 'linux-x64', rejected: [] };

describe('self-update policy (pure)', () => {
  it('puts each agent in a stable bucket, and a larger ring only adds agents', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `ag_${i}`);
    for (const id of ids.slice(0, 5)) expect(rolloutBucket(id)).toBe(rolloutBucket(id));
    const inRing = (pct: number) => new Set(ids.filter((id) => decideUpdate({ ...advert, percent: pct }, { ...me, agentId: id }).kind === 'update'));
    const ten = inRing(10);
    const fifty = inRing(50);
    expect(ten.size).toBeGreaterThan(120);
    expect(ten.size).toBeLessThan(280);
    for (const id of ten) expect(fifty.has(id)).toBe(true);
    expect(inRing(0).size).toBe(0);
    expect(inRing(100).size).toBe(ids.length);
  });

  it('updates pilot agents (by name or id) first, whatever the percentage', () => {
    expect(decideUpdate({ ...advert, percent: 0, pilot: ['lab-pc-01'] }, me).kind).toBe('update');
    expect(decideUpdate({ ...advert, percent: 0, pilot: ['ag_1'] }, me).kind).toBe('update');
    expect(decideUpdate({ ...advert, percent: 0, pilot: ['lab-pc-02'] }, me)).toMatchObject({ kind: 'none', reason: 'not in the 0% ring yet' });
  });

  it('waits a random part of the jitter and carries the probation period', () => {
    expect(decideUpdate(advert, me, () => 0.5)).toMatchObject({ kind: 'update', delayMs: 300_000, trialMs: 180_000, file: 'hallmonitor-agent-linux-x64' });
  });

  it('leaves alone: the same version, another platform, a version rolled back here', () => {
    expect(decideUpdate({ ...advert, version: '1.0.0' }, me).kind).toBe('none');
    expect(decideUpdate(advert, { ...me, platformKey: 'win32-x64' })).toMatchObject({ kind: 'none', reason: 'no executable for win32-x64 on the collector' });
    expect(decideUpdate(advert, { ...me, rejected: [{ version: '2.0.0', sha256: 'a'.repeat(64) }] }).kind).toBe('none');
    // A rebuilt 2.0.0 (new checksum) is tried again.
    expect(decideUpdate(advert, { ...me, rejected: [{ version: '2.0.0', sha256: 'b'.repeat(64) }] }).kind).toBe('update');
  });

  it('reads only well-formed adverts', () => {
    expect(readAdvert({ intervalSeconds: 15 })).toEqual({});
    expect(readAdvert({ update: advert }).advert?.version).toBe('2.0.0');
    expect(readAdvert({ update: { ...advert, files: { 'linux-x64': { file: '../../etc/passwd', sha256: 'a'.repeat(64), size: 1 } } } }).problem).toMatch(/file/);
    expect(readAdvert({ update: { ...advert, files: { 'linux-x64': { file: 'x', sha256: 'nothex', size: 1 } } } }).problem).toMatch(/sha256/);
  });
});

describe('swapping the executable', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm-swap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const platform of ['linux', 'win32'] as const) {
    it(`swaps in and rolls back (${platform} rename rules)`, async () => {
      const exe = join(dir, `agent-${platform}`);
      writeFileSync(exe, 'A');
      writeFileSync(`${exe}.download`, 'B');
      await swapIn(exe, `${exe}.download`, platform);
      expect(readFileSync(exe, 'utf8')).toBe('B');
      expect(readFileSync(prevPath(exe), 'utf8')).toBe('A');
      expect(existsSync(`${exe}.download`)).toBe(false);
      await rollBack(exe, platform);
      expect(readFileSync(exe, 'utf8')).toBe('A');
      await expect(rollBack(exe, platform)).rejects.toThrow(/no previous executable/);
      await dropPrevious(exe);
      expect(existsSync(prevPath(exe))).toBe(false);
    });
  }

  it('keeps the update state across a restart, and survives a missing or corrupt file', async () => {
    const exe = join(dir, 'agent-state');
    expect(await readUpdateState(exe)).toEqual({ status: 'ok', rejected: [] });
    await writeUpdateState(exe, { status: 'trial', from: '1', to: '2', trialMs: 1000, rejected: [{ version: '0.9', sha256: 'c'.repeat(64) }] });
    expect(await readUpdateState(exe)).toMatchObject({ status: 'trial', to: '2', rejected: [{ version: '0.9' }] });
    writeFileSync(`${exe}.update.json`, '{not json');
    expect((await readUpdateState(exe)).status).toBe('ok');
  });
});
