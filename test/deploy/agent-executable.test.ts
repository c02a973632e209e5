import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_BIN, apiRequest, runCommand, startProcess, waitFor } from '../support/processes.js';
import { AGENT_FILE, INSTALL_SH, Supervisor, buildAgentExecutable, publish } from './support.js';

/*
 * The single-file agent for real: built by scripts/build-agent, run from an
 * empty directory (no node, no node_modules next to it), installed by
 * install-agent.sh into a throw-away root, and updated by the collector from
 * version A to B, then to a broken C that it rolls back.
 */
const V_A = '9.0.0-a';
const V_B = '9.0.1-b';
const V_C = '9.0.2-broken';
// The install test needs root and mount namespaces (a private /etc for useradd); CI here runs as root.
const CAN_NAMESPACE = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', 'true']).status === 0;

describe('single-file agent, install script and self-update (Linux x64)', () => {
  // No spaces: this path ends up in systemd unit lines (the installer's real paths have none).
  const work = mkdtempSync(join(os.tmpdir(), 'hm-deploy-'));
  chmodSync(work, 0o755); // the service account must reach its files under it
  const builds = { a: join(work, 'build-a'), b: join(work, 'build-b'), c: join(work, 'build-c') };
  const downloads = join(work, 'downloads');
  const dataDir = join(work, 'collector-data');
  const procs: Array<{ stop(): Promise<unknown> }> = [];
  let url = '';
  let ca = '';
  let adminKey = '';
  let token = '';

  const cli = (...args: string[]) => runCommand(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dataDir]);
  const hosts = async (): Promise<Array<Record<string, string>>> => ((await apiRequest(`${url}/api/v1/hosts`, { key: adminKey, ca })).json as { hosts: Array<Record<string, string>> }).hosts;

  beforeAll(async () => {
    mkdirSync(downloads);
    await buildAgentExecutable(builds.a, V_A);
    await buildAgentExecutable(builds.b, V_B);
    await buildAgentExecutable(builds.c, V_C, fileURLToPath(new URL('./fault-no-tls.js', import.meta.url)));
    publish(builds.a, downloads);

    const configFile = join(work, 'collector.yaml');
    writeFileSync(configFile, ['listen: 127.0.0.1:0', `downloads: { dir: ${JSON.stringify(downloads)} }`, 'updates: { jitter: 0s, trialPeriod: 10s, checkInterval: 5s }', ''].join('\n'));
    const collector = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', configFile, '--data-dir', dataDir]);
    procs.push(collector);
    url = (JSON.parse(await collector.waitForLine(/"msg":"collector listening"/)) as { url: string }).url;
    ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8');
    adminKey = (JSON.parse((await cli('apikey', 'create', '--role', 'admin', '--json')).stdout) as { key: string }).key;
    const tok = await cli('token', 'create', '--uses', '10', '--json');
    expect(tok.code, tok.stderr).toBe(0);
    token = (JSON.parse(tok.stdout) as { token: string }).token;
  }, 120_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds a self-contained executable with checksums and a manifest', () => {
    const exe = join(builds.a, AGENT_FILE);
    expect(statSync(exe).mode & 0o111).not.toBe(0);
    expect(statSync(exe).size).toBeGreaterThan(40 * 1024 * 1024);
    const sums = readFileSync(join(builds.a, 'SHA256SUMS'), 'utf8');
    expect(sums).toMatch(new RegExp(`^[0-9a-f]{64}  ${AGENT_FILE}$`, 'm'));
    const manifest = JSON.parse(readFileSync(join(builds.a, 'manifest.json'), 'utf8')) as { version: string; files: Record<string, { sha256: string }> };
    expect(manifest.version).toBe(V_A);
    expect(sums).toContain(manifest.files[AGENT_FILE]!.sha256);
  });

  it('the collector serves it, its checksum, the install scripts and the one-liners', async () => {
    const sums = await fetchText(`${url}/downloads/SHA256SUMS`, ca);
    expect(sums).toBe(readFileSync(join(builds.a, 'SHA256SUMS'), 'utf8'));
    expect(await fetchText(`${url}/install.sh`, ca)).toBe(readFileSync(INSTALL_SH, 'utf8'));
    const res = await apiRequest(`${url}/api/v1/tokens`, { key: adminKey, ca, method: 'POST', body: { uses: 1 } });
    expect(res.status).toBe(200);
    const body = res.json as { token: string; install: { linux: string; windows: string } };
    expect(body.install.linux).toContain(`--collector '${url}' --token '${body.token}'`);
    expect(body.install.linux).toContain(`curl -fsS -k ${url}/install.sh`);
    expect(body.install.windows).toContain(`-Collector '${url}' -Token '${body.token}'`);
  });

  it('runs from an empty directory: collect --once --json, enroll and run against the collector', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const exe = join(empty, 'hallmonitor-agent');
    copyFileSync(join(builds.a, AGENT_FILE), exe);
    chmodSync(exe, 0o755);
    // No node on the PATH and nothing but the executable in its directory.
    const env = { PATH: '/usr/sbin:/sbin:/bin', HOME: empty, NODE_PATH: '' };
    const inEmpty = (args: string[]) => runCommand('sh', ['-c', 'cd "$1" && shift && exec "$@"', 'sh', empty, exe, ...args], env);

    expect((await inEmpty(['--version'])).stdout.trim()).toBe(V_A);
    const once = await inEmpty(['collect', '--once', '--json', '--data-dir', join(empty, 'state')]);
    expect(once.code, once.stderr).toBe(0);
    const round = JSON.parse(once.stdout) as { facts: Record<string, unknown>; samples: Array<{ name: string }> };
    expect(round.facts.hostname).toBe(os.hostname());
    expect(round.samples.map((s) => s.name)).toEqual(expect.arrayContaining(['cpu_usage_percent', 'memory_used_percent', 'disk_used_percent']));
    expect(once.stderr).not.toMatch(/Warning|single-executable/);

    const enroll = await inEmpty(['enroll', '--collector', url, '--token', token, '--config', join(empty, 'agent.yaml'), '--name', 'sea-pc']);
    expect(enroll.code, enroll.stderr).toBe(0);
    writeFileSync(join(empty, 'agent.yaml'), `${readFileSync(join(empty, 'agent.yaml'), 'utf8')}dataDir: ${JSON.stringify(join(empty, 'state'))}\n`);
    const agent = startProcess('sh', ['-c', 'cd "$1" && shift && exec "$@"', 'sh', empty, exe, 'run', '--config', join(empty, 'agent.yaml'), '--interval', '1s'], env);
    procs.push(agent);
    await agent.waitForLine(/connected to collector/, 20_000);
    await waitFor(async () => (await hosts()).find((h) => h.name === 'sea-pc' && h.status === 'up'), 20_000, 'sea-pc up');
    await agent.stop();
  }, 60_000);

  it.skipIf(!CAN_NAMESPACE)('install-agent.sh installs, repairs and uninstalls in a throw-away root', async () => {
    const root = join(work, 'root');
    const etc = join(work, 'etc-copy');
    // A private copy of /etc mounted over /etc in a mount namespace: useradd and
    // userdel change only the copy. Everything else goes under --prefix.
    expect((await runCommand('cp', ['-a', '/etc/.', `${etc}/`])).code).toBe(0);
    const inRoot = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc && exec "$@"', etc, ...args], env);

    // Mass-deployment style: collector and token from the environment.
    const first = await inRoot(['sh', INSTALL_SH, '--prefix', root, '--no-start', '--name', 'inst-pc'], { HALLMONITOR_COLLECTOR: url, HALLMONITOR_TOKEN: token });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`agent ${V_A} installed`);
    expect(first.stdout + first.stderr).not.toContain(token);

    const passwd = readFileSync(join(etc, 'passwd'), 'utf8');
    const m = /^hallmonitor-agent:x:(\d+):(\d+):/m.exec(passwd);
    expect(m, 'service account created in the private /etc').not.toBeNull();
    const [uid, gid] = [Number(m![1]), Number(m![2])];
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('hallmonitor-agent:');

    const p = (rel: string) => join(root, rel);
    const conf = statSync(p('etc/hallmonitor/agent.yaml'));
    expect([conf.uid, conf.mode & 0o777]).toEqual([uid, 0o600]);
    expect(statSync(p('var/lib/hallmonitor-agent/bin/hallmonitor-agent')).uid).toBe(uid);
    const rootCopy = statSync(p('usr/local/lib/hallmonitor-agent/hallmonitor-agent'));
    expect([rootCopy.uid, rootCopy.mode & 0o022]).toEqual([0, 0]);
    expect(lstatSync(p('usr/local/bin/hallmonitor-agent')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(p('usr/local/bin/hallmonitor-agent'))).toBe(p('usr/local/lib/hallmonitor-agent/hallmonitor-agent'));

    const unit = readFileSync(p('etc/systemd/system/hallmonitor-agent.service'), 'utf8');
    const patchUnit = readFileSync(p('etc/systemd/system/hallmonitor-agent-patch.service'), 'utf8');
    const timer = readFileSync(p('etc/systemd/system/hallmonitor-agent-patch.timer'), 'utf8');
    const directives = parseUnit(unit);
    expect(directives).toMatchObject({ User: 'hallmonitor-agent', Restart: 'always', NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'read-only', CapabilityBoundingSet: '' });
    expect(directives.MemoryDenyWriteExecute).toBeUndefined();
    expect(parseUnit(patchUnit)).toMatchObject({ Type: 'oneshot', ExecStart: `${p('usr/local/lib/hallmonitor-agent/hallmonitor-agent')} patch-check --write ${p('var/lib/hallmonitor-agent/patch-cache.json')}` });
    expect(parseUnit(patchUnit).User).toBeUndefined(); // root, on purpose, and only this oneshot
    expect(parseUnit(timer)).toMatchObject({ OnUnitActiveSec: '6h', Persistent: 'true' });
    const verify = await inRoot(['sh', '-c', 'command -v systemd-analyze >/dev/null || exit 77; systemd-analyze verify "$@"', 'sh', p('etc/systemd/system/hallmonitor-agent.service'), p('etc/systemd/system/hallmonitor-agent-patch.service'), p('etc/systemd/system/hallmonitor-agent-patch.timer')]);
    if (verify.code !== 77) expect(verify.code, verify.stderr).toBe(0);

    // Start it as systemd would: ExecStart, as User=, with the unit's environment (self-update off here).
    const unitEnv = unit.split('\n').filter((l) => l.startsWith('Environment=')).map((l) => l.slice('Environment='.length));
    expect(unitEnv).toEqual(expect.arrayContaining(['HALLMONITOR_SELF_UPDATE=1', expect.stringMatching(/^NODE_OPTIONS=--max-old-space-size=\d+$/)]));
    const exec = directives.ExecStart!.split(' ');
    const svc = startProcess('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc && exec "$@"', etc, 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', 'env', ...unitEnv, 'HALLMONITOR_SELF_UPDATE=0', ...exec, '--interval', '1s']);
    procs.push(svc);
    await svc.waitForLine(/connected to collector/, 20_000);
    await waitFor(async () => (await hosts()).find((h) => h.name === 'inst-pc' && h.status === 'up'), 20_000, 'inst-pc up');
    await svc.stop();

    // The root timer's job writes the cache the unprivileged agent reads.
    const pc = await inRoot(parseUnit(patchUnit).ExecStart!.split(' '));
    expect(pc.code, pc.stderr).toBe(0);
    expect(statSync(p('var/lib/hallmonitor-agent/patch-cache.json')).mode & 0o004).toBe(0o004);

    // Again, without a token: an upgrade/repair keeps the enrollment.
    const idBefore = /^\s+id: (.+)$/m.exec(readFileSync(p('etc/hallmonitor/agent.yaml'), 'utf8'))?.[1];
    rmSync(p('usr/local/bin/hallmonitor-agent')); // something broken to repair
    const again = await inRoot(['sh', INSTALL_SH, '--prefix', root, '--no-start', '--collector', url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already enrolled');
    expect(/^\s+id: (.+)$/m.exec(readFileSync(p('etc/hallmonitor/agent.yaml'), 'utf8'))?.[1]).toBe(idBefore);
    expect(existsSync(p('usr/local/bin/hallmonitor-agent'))).toBe(true);

    // A token pinning another key: refused before anything is sent or written.
    const wrongPin = `${token.split('.').slice(0, 2).join('.')}.${Buffer.alloc(32, 7).toString('base64url')}`;
    const refused = await inRoot(['sh', INSTALL_SH, '--prefix', join(work, 'root2'), '--no-start', '--collector', url, '--token', wrongPin]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/token pins .*wrong collector/);
    expect(existsSync(join(work, 'root2', 'etc'))).toBe(false);

    const gone = await inRoot(['sh', INSTALL_SH, '--prefix', root, '--no-start', '--uninstall']);
    expect(gone.code, gone.stderr).toBe(0);
    for (const rel of ['etc/hallmonitor', 'var/lib/hallmonitor-agent', 'usr/local/lib/hallmonitor-agent', 'usr/local/bin/hallmonitor-agent', 'etc/systemd/system/hallmonitor-agent.service', 'etc/systemd/system/hallmonitor-agent-patch.timer']) {
      expect(existsSync(p(rel)), rel).toBe(false);
    }
    expect(readFileSync(join(etc, 'passwd'), 'utf8')).not.toContain('hallmonitor-agent:');
  }, 90_000);

  it('updates itself from A to B, and rolls back a C that cannot connect', async () => {
    const svc = join(work, 'svc');
    mkdirSync(join(svc, 'bin'), { recursive: true });
    const exe = join(svc, 'bin', 'hallmonitor-agent');
    copyFileSync(join(builds.a, AGENT_FILE), exe);
    chmodSync(exe, 0o755);
    const enroll = await runCommand(exe, ['enroll', '--collector', url, '--token', token, '--config', join(svc, 'agent.yaml'), '--name', 'update-pc']);
    expect(enroll.code, enroll.stderr).toBe(0);
    writeFileSync(join(svc, 'agent.yaml'), `${readFileSync(join(svc, 'agent.yaml'), 'utf8')}dataDir: ${JSON.stringify(join(svc, 'state'))}\n`);

    const sup = new Supervisor(exe, ['run', '--config', join(svc, 'agent.yaml'), '--interval', '1s'], { HALLMONITOR_SELF_UPDATE: '1' });
    procs.push(sup);
    sup.start();
    let at = await sup.waitFor(/connected to collector/, 20_000);

    publish(builds.b, downloads);
    at = await sup.waitFor(/"msg":"update scheduled"/, 20_000, at);
    at = await sup.waitFor(/"msg":"update installed; restarting into the new version"/, 30_000, at);
    at = await sup.waitFor(/"msg":"new version on probation/, 20_000, at);
    at = await sup.waitFor(/"msg":"update confirmed: the new version is connected"/, 20_000, at);
    expect(sup.exits).toContain(75);
    expect((await runCommand(exe, ['--version'])).stdout.trim()).toBe(V_B);
    expect(existsSync(`${exe}.prev`)).toBe(false);
    expect(JSON.parse(readFileSync(`${exe}.update.json`, 'utf8'))).toMatchObject({ status: 'ok', from: V_A, to: V_B });
    const agents = (await apiRequest(`${url}/api/v1/agents`, { key: adminKey, ca })).json as { agents: Array<Record<string, unknown>> };
    expect(JSON.stringify(agents)).toContain(V_B);

    publish(builds.c, downloads);
    at = await sup.waitFor(/"msg":"update installed; restarting into the new version"/, 30_000, at);
    at = await sup.waitFor(/"msg":"new version rolled back"/, 40_000, at);
    at = await sup.waitFor(/connected to collector/, 30_000, at);
    expect((await runCommand(exe, ['--version'])).stdout.trim()).toBe(V_B);
    const state = JSON.parse(readFileSync(`${exe}.update.json`, 'utf8')) as { status: string; rejected: Array<{ version: string }> };
    expect(state.status).toBe('rolled-back');
    expect(state.rejected.map((r) => r.version)).toContain(V_C);
    // The next poll sees C advertised again and leaves it alone.
    await new Promise((r) => setTimeout(r, 8000));
    expect(sup.output().slice(at)).not.toContain('update scheduled');
    await sup.stop();
  }, 150_000);
});

/** `Key=Value` lines of a unit file (last one wins; comments and sections skipped). */
function parseUnit(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

async function fetchText(u: string, ca: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(u, { ca, checkServerIdentity: () => undefined }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => resolve(t));
    });
    req.on('error', reject);
    req.end();
  });
}
