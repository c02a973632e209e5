import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COLLECTOR_BIN, runCommand } from '../support/processes.js';

// useradd must only touch a private copy of /etc: root and mount namespaces needed.
const CAN_NAMESPACE = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', 'true']).status === 0;

describe.skipIf(!CAN_NAMESPACE)('hallmonitor-collector install-service', () => {
  const work = mkdtempSync(join(os.tmpdir(), 'hm-colsvc-'));
  chmodSync(work, 0o755);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('creates the account, data dir, a default config and a verifiable unit; idempotent', async () => {
    const etc = join(work, 'etc-copy');
    expect((await runCommand('cp', ['-a', '/etc/.', `${etc}/`])).code).toBe(0);
    const args = ['install-service', '--config', join(work, 'etc', 'collector.yaml'), '--data-dir', join(work, 'data'), '--systemd-dir', join(work, 'systemd'), '--no-start'];
    const run = () => runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc && exec "$@"', etc, process.execPath, COLLECTOR_BIN, ...args]);
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const m = /^hallmonitor:x:(\d+):(\d+):/m.exec(readFileSync(join(etc, 'passwd'), 'utf8'));
    expect(m).not.toBeNull();
    const data = statSync(join(work, 'data'));
    expect([data.uid, data.mode & 0o777]).toEqual([Number(m![1]), 0o750]);
    const conf = statSync(join(work, 'etc', 'collector.yaml'));
    expect([conf.uid, conf.gid, conf.mode & 0o777]).toEqual([0, Number(m![2]), 0o640]);
    expect(readFileSync(join(work, 'etc', 'collector.yaml'), 'utf8')).toContain('listen: 0.0.0.0:8470');
    const unit = readFileSync(join(work, 'systemd', 'hallmonitor-collector.service'), 'utf8');
    expect(unit).toContain(`ExecStart="${process.execPath}" "--max-semi-space-size=1" "--heap-growing-percent=15" "${COLLECTOR_BIN}" "serve" "--config" "${join(work, 'etc', 'collector.yaml')}"`);
    const verify = await runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc && { command -v systemd-analyze >/dev/null || exit 77; } && exec systemd-analyze verify "$1"', etc, join(work, 'systemd', 'hallmonitor-collector.service')]);
    if (verify.code !== 77) expect(verify.code, verify.stderr).toBe(0);
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('created service account');
  }, 60_000);
});
