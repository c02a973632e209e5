import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { AGENT_BIN, COLLECTOR_BIN, REPO_ROOT, runCommand, startProcess, type RunningProcess } from '../../support/processes.js';

export const ADMIN = { name: 'admin', password: 'correct horse battery staple 42' } as const;
export const VIEWER = { name: 'libby', password: 'viewer password for the test' } as const;

export interface Stack {
  readonly url: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly collector: RunningProcess;
  readonly ca: string;
  cli(args: readonly string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Enrolls a machine with a fresh token through the real CLIs; returns the agent config path. */
  enroll(name: string, site: string, labels: Readonly<Record<string, string>>): Promise<string>;
  stop(): Promise<void>;
}

const UI_DIR = join(REPO_ROOT, 'collector', 'ui');
const UI_REPORT = join(REPO_ROOT, 'collector', 'ui-dist', 'build-report.json');
// One lock per checkout, outside the work tree.
const UI_LOCK = join(os.tmpdir(), `hm-ui-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard bundle the collector serves (collector/ui-dist), as the
 * collector's build does, unless it is newer than its sources. Test files run in
 * parallel: a lock file makes the others wait for the one that builds.
 */
export async function buildUi(): Promise<void> {
  const fresh = (): boolean => existsSync(UI_REPORT) && statSync(UI_REPORT).mtimeMs > newestSource(UI_DIR);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (fresh()) return;
    let fd: number;
    try {
      fd = openSync(UI_LOCK, 'wx');
    } catch {
      // A lock older than a minute is left over from a killed run.
      if (existsSync(UI_LOCK) && Date.now() - statSync(UI_LOCK).mtimeMs > 60_000) rmSync(UI_LOCK, { force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      const r = await runCommand(process.execPath, [join(UI_DIR, 'build.mjs')]);
      if (r.code !== 0) throw new Error(`ui build failed: ${r.stderr}`);
      return;
    } finally {
      closeSync(fd);
      rmSync(UI_LOCK, { force: true });
    }
  }
  throw new Error('ui build: waited a minute for another build');
}

function withStdin(cmd: string, args: readonly string[], stdin: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** A real collector process (TLS on, the default) with short liveness timing and one webhook notifier. */
export async function startStack(opts: { readonly webhookUrl: string; readonly webhookSecret: string; readonly extraConfig?: readonly string[] }): Promise<Stack> {
  const dir = mkdtempSync(join(os.tmpdir(), 'hm browser '));
  const dataDir = join(dir, 'collector data');
  const configFile = join(dir, 'collector.yaml');
  writeFileSync(
    configFile,
    [
      'listen: 127.0.0.1:0',
      // A host is down after 2 missed 1 s intervals: the test sees it within seconds.
      'agents: { interval: 1s, offlineAfterIntervals: 2 }',
      'notifiers:',
      '  - name: oncall',
      '    type: webhook',
      `    url: ${opts.webhookUrl}`,
      '    secret: ${BROWSER_TEST_WEBHOOK_SECRET}',
      '    allowPrivateNetwork: true',
      'notify: { default: [oncall] }',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  const env = { BROWSER_TEST_WEBHOOK_SECRET: opts.webhookSecret };
  const collector = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--config', configFile, '--data-dir', dataDir], env);
  const line = await collector.waitForLine(/"msg":"collector listening"/);
  const url = (JSON.parse(line) as { url: string }).url;
  const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8');
  const common = ['--config', configFile, '--data-dir', dataDir];
  const cli = (args: readonly string[], stdin?: string) => (stdin === undefined ? runCommand(process.execPath, [COLLECTOR_BIN, ...args, ...common], env) : withStdin(process.execPath, [COLLECTOR_BIN, ...args, ...common], stdin, env));
  return {
    url,
    dir,
    dataDir,
    configFile,
    collector,
    ca,
    cli,
    async enroll(name, site, labels) {
      const tok = await cli(['token', 'create', '--site', site, '--json']);
      if (tok.code !== 0) throw new Error(`token create: ${tok.stderr}`);
      const { token } = JSON.parse(tok.stdout) as { token: string };
      const agentConfig = join(dir, 'agents', name, 'agent.yaml');
      const r = await runCommand(process.execPath, [AGENT_BIN, 'enroll', '--collector', url, '--token', token, '--config', agentConfig, '--name', name, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`])]);
      if (r.code !== 0) throw new Error(`enroll ${name}: ${r.stderr}`);
      return agentConfig;
    },
    async stop() {
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
