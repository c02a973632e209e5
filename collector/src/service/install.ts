import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CollectorError } from '../errors.js';
import { renderCollectorUnit, renderDefaultConfig } from './unit.js';

const execFileP = promisify(execFile);

/** Runs a system command; a seam so tests can record instead of calling systemctl. */
export type Run = (cmd: string, args: readonly string[]) => Promise<{ code: number; stdout: string }>;

const realRun: Run = async (cmd, args) => {
  try {
    const { stdout } = await execFileP(cmd, [...args]);
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : 127, stdout: e.stdout ?? '' };
  }
};

export interface InstallServiceOptions {
  readonly configFile: string;
  readonly dataDir: string;
  readonly listen: string;
  readonly user: string;
  readonly systemdDir: string;
  readonly start: boolean;
  readonly node?: string;
  readonly collectorBin?: string;
  readonly run?: Run;
  readonly log?: (line: string) => void;
}

export const COLLECTOR_BIN = fileURLToPath(new URL('../../bin/hallmonitor-collector.js', import.meta.url));

async function exists(p: string): Promise<boolean> {
  return readFile(p).then(
    () => true,
    () => false,
  );
}

/**
 * Installs the collector as a systemd service: a system account, the data
 * directory owned by it, a config (created only if missing), the unit, and
 * — unless told not to — enable and start. Idempotent: run again to update.
 */
export async function installService(o: InstallServiceOptions): Promise<{ unitFile: string; unit: string }> {
  const run = o.run ?? realRun;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (process.platform !== 'linux') throw new CollectorError('HM_FLAG', 'install-service: systemd services are for Linux; on other systems run `serve` under your service manager');
  if (process.getuid?.() !== 0) throw new CollectorError('HM_FLAG', 'install-service: run as root (sudo)');
  const collectorBin = o.collectorBin ?? COLLECTOR_BIN;
  if (/^\/(root|home)\//.test(collectorBin)) log(`warning: ${collectorBin} is under a home directory; the ${o.user} account may not be able to read it (docs/deploy.md suggests /opt/hallmonitor)`);

  if ((await run('id', ['-u', o.user])).code !== 0) {
    const made = await run('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', o.user]);
    if (made.code !== 0) throw new CollectorError('HM_FLAG', `install-service: cannot create the service account ${o.user}`);
    log(`created service account ${o.user}`);
  }
  const uid = Number((await run('id', ['-u', o.user])).stdout.trim());
  const gid = Number((await run('id', ['-g', o.user])).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new CollectorError('HM_FLAG', `install-service: cannot look up ${o.user}`);

  await mkdir(o.dataDir, { recursive: true, mode: 0o750 });
  // Data written by an earlier `serve` run as root must become the service's.
  await run('chown', ['-R', `${uid}:${gid}`, o.dataDir]);
  await chmod(o.dataDir, 0o750);
  await mkdir(join(o.dataDir, 'downloads'), { recursive: true, mode: 0o755 }).then(() => chown(join(o.dataDir, 'downloads'), uid, gid));

  if (!(await exists(o.configFile))) {
    await mkdir(dirname(o.configFile), { recursive: true, mode: 0o755 });
    await writeFile(o.configFile, renderDefaultConfig(o.listen, o.dataDir), { mode: 0o640 });
    log(`wrote ${o.configFile}`);
  }
  // The config may hold webhook secrets: root writes it, the service reads it.
  await chown(o.configFile, 0, gid);
  await chmod(o.configFile, 0o640);

  const port = Number(o.listen.slice(o.listen.lastIndexOf(':') + 1));
  const unit = renderCollectorUnit({ node: o.node ?? process.execPath, collectorBin, configFile: o.configFile, dataDir: o.dataDir, user: o.user, port });
  const unitFile = join(o.systemdDir, 'hallmonitor-collector.service');
  await mkdir(o.systemdDir, { recursive: true });
  await writeFile(`${unitFile}.tmp`, unit, { mode: 0o644 });
  await rename(`${unitFile}.tmp`, unitFile);
  log(`wrote ${unitFile}`);

  if (o.start) {
    for (const args of [['daemon-reload'], ['enable', 'hallmonitor-collector.service'], ['restart', 'hallmonitor-collector.service']]) {
      const r = await run('systemctl', args);
      if (r.code !== 0) throw new CollectorError('HM_FLAG', `install-service: systemctl ${args.join(' ')} failed; see journalctl -u hallmonitor-collector`);
    }
    log('started: systemctl status hallmonitor-collector · logs: journalctl -u hallmonitor-collector -f');
  } else {
    log('not started (--no-start); start it with: systemctl enable --now hallmonitor-collector');
  }
  return { unitFile, unit };
}
