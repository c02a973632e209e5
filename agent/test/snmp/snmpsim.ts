import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, chown, mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A real SNMP peer for tests: Debian's snmpsim (`apt-get install snmpsim snmp`).
 * Each Snmpsim is one snmpsimd process on 127.0.0.1 and a free UDP port, with
 * its own data and cache directories. A data file's name is the v2c community
 * and the v3 context.
 */

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** snmpsimd and snmpget are both needed (snmpget is the readiness probe). */
export const SNMPSIM_AVAILABLE = onPath('snmpsimd') && onPath('snmpget');
export const SNMPSIM_MISSING_MESSAGE = 'snmpsimd/snmpget not installed: run `apt-get update && apt-get install -y snmpsim snmp` to run the SNMP tests';

export interface V3User {
  readonly user: string;
  readonly authProto: 'MD5' | 'SHA' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512';
  readonly authKey: string;
  readonly privProto: 'AES' | 'AES192' | 'AES256' | 'AES256BLMT' | 'DES';
  readonly privKey: string;
}

export interface SnmpsimOptions {
  /** Data file name (community/context) → .snmprec text. */
  readonly files: Readonly<Record<string, string>>;
  readonly v3Users?: readonly V3User[];
}

/** A user/group id from /etc/passwd or /etc/group. */
function systemId(file: string, name: string): number | undefined {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    const id = line?.split(':')[2];
    return id === undefined ? undefined : Number(id);
  } catch {
    return undefined;
  }
}

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class Snmpsim {
  readonly dir: string;
  readonly #opts: SnmpsimOptions;
  #port = 0;
  #proc: ChildProcess | undefined;
  #mtime = Math.floor(Date.now() / 1000);

  private constructor(dir: string, opts: SnmpsimOptions) {
    this.dir = dir;
    this.#opts = opts;
  }

  static async start(opts: SnmpsimOptions): Promise<Snmpsim> {
    const dir = await mkdtemp(join(tmpdir(), 'hm-snmpsim-'));
    const sim = new Snmpsim(dir, opts);
    try {
      await sim.#prepare();
      await sim.#launch(await freeUdpPort());
    } catch (err) {
      await sim.cleanup();
      throw err;
    }
    return sim;
  }

  get port(): number {
    return this.#port;
  }

  /** "127.0.0.1:port", as a device's `address`. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  async #prepare(): Promise<void> {
    // snmpsimd drops to nobody:nogroup, which must read the data and write the cache.
    await chmod(this.dir, 0o755);
    await mkdir(join(this.dir, 'data'), { mode: 0o755 });
    await mkdir(join(this.dir, 'cache'), { mode: 0o755 });
    const uid = systemId('/etc/passwd', 'nobody');
    const gid = systemId('/etc/group', 'nogroup');
    if (process.getuid?.() === 0 && uid !== undefined && gid !== undefined) await chown(join(this.dir, 'cache'), uid, gid);
    for (const [name, text] of Object.entries(this.#opts.files)) await this.writeFile(name, text);
  }

  /**
   * Replaces a data file atomically and moves its mtime to a new whole second:
   * snmpsim re-indexes a file only when its integer mtime changes.
   */
  async writeFile(name: string, text: string): Promise<void> {
    const path = join(this.dir, 'data', `${name}.snmprec`);
    const tmp = `${path}.tmp`;
    await writeFile(tmp, text, { mode: 0o644 });
    this.#mtime = Math.max(this.#mtime + 1, Math.floor(Date.now() / 1000) + 1);
    await utimes(tmp, this.#mtime, this.#mtime);
    await rename(tmp, path);
  }

  async #launch(port: number): Promise<void> {
    const args = [
      `--data-dir=${join(this.dir, 'data')}`,
      `--cache-dir=${join(this.dir, 'cache')}`,
      `--agent-udpv4-endpoint=127.0.0.1:${port}`,
      '--logging-method=null',
    ];
    if (process.getuid?.() === 0) args.push('--process-user=nobody', '--process-group=nogroup');
    for (const u of this.#opts.v3Users ?? []) {
      args.push(`--v3-user=${u.user}`, `--v3-auth-key=${u.authKey}`, `--v3-auth-proto=${u.authProto}`, `--v3-priv-key=${u.privKey}`, `--v3-priv-proto=${u.privProto}`);
    }
    const proc = spawn('snmpsimd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.#proc = proc;
    this.#port = port;
    const community = Object.keys(this.#opts.files)[0] ?? 'public';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`snmpsimd exited (${proc.exitCode ?? proc.signalCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const probe = spawnSync('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.1.3.0'], { stdio: 'ignore' });
      if (probe.status === 0) return;
      await sleep(100);
    }
    throw new Error('snmpsimd did not answer within 30 s');
  }

  /** Stops the daemon (its devices stop answering); the port stays reserved for restart(). */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the daemon again on the same port with the current data files. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch(this.#port);
  }

  async cleanup(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
