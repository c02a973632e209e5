import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Builds the dashboard bundle the collector serves (collector/ui-dist), as the collector's build does. */
export async function buildUi(): Promise<void> {
  const r = await runCommand(process.execPath, [join(REPO_ROOT, 'collector', 'ui', 'build.mjs')]);
  if (r.code !== 0) throw new Error(`ui build failed: ${r.stderr}`);
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
export async function startStack(opts: { readonly webhookUrl: string; readonly webhookSecret: string }): Promise<Stack> {
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
