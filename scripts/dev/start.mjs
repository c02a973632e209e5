#!/usr/bin/env node
// `pnpm start`: a collector on embedded SQLite plus a local agent reporting to
// it, for a first look. State lives in ./.hallmonitor (delete it to start over).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const state = join(root, '.hallmonitor');
const dataDir = join(state, 'collector-data');
const agentConfig = join(state, 'agent.yaml');
const keyFile = join(state, 'admin-api-key');
const passwordFile = join(state, 'admin-password');
const port = process.env.HALLMONITOR_PORT ?? '8470';
const collectorBin = join(root, 'collector', 'bin', 'hallmonitor-collector.js');
const agentBin = join(root, 'agent', 'bin', 'hallmonitor-agent.js');
mkdirSync(state, { recursive: true, mode: 0o700 });

const cli = (bin, args) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const common = ['--data-dir', dataDir];

const collectorLog = join(state, 'collector.log');
// Started as the systemd unit starts it (runtime-tuning.ts: V8 and malloc settings measured in docs/capacity.md).
const { COLLECTOR_ENV, COLLECTOR_NODE_FLAGS } = await import(pathToFileURL(join(root, 'collector', 'dist', 'service', 'runtime-tuning.js')).href);
const collector = spawn(process.execPath, [...COLLECTOR_NODE_FLAGS, collectorBin, 'serve', ...common, '--listen', `0.0.0.0:${port}`], { env: { ...process.env, ...COLLECTOR_ENV }, stdio: ['ignore', openSync(collectorLog, 'a'), openSync(collectorLog, 'a')] });
const url = await new Promise((resolve, reject) => {
  const started = Date.now();
  const timer = setInterval(() => {
    const text = existsSync(collectorLog) ? readFileSync(collectorLog, 'utf8') : '';
    const line = text.split('\n').reverse().find((l) => l.includes('"msg":"collector listening"'));
    if (line) {
      clearInterval(timer);
      resolve(JSON.parse(line).url);
    } else if (collector.exitCode !== null || Date.now() - started > 20_000) {
      clearInterval(timer);
      reject(new Error(`collector did not start; see ${collectorLog}:\n${text.slice(-2000)}`));
    }
  }, 200);
});

if (!existsSync(agentConfig)) {
  const { token } = JSON.parse(cli(collectorBin, ['token', 'create', ...common, '--site', 'demo-school', '--json']));
  cli(agentBin, ['enroll', '--collector', url, '--token', token, '--config', agentConfig]);
  // Keep the agent's spool and patch cache with the rest of this trial, not under /var/lib.
  writeFileSync(agentConfig, `${readFileSync(agentConfig, 'utf8')}dataDir: ${JSON.stringify(join(state, 'agent-data'))}\n`, { mode: 0o600 });
}
if (!existsSync(keyFile)) {
  const { key } = JSON.parse(cli(collectorBin, ['apikey', 'create', '--role', 'admin', ...common, '--json']));
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
}
// A dashboard user for this local trial: a random password kept in a 0600 file (there is no default password).
if (!existsSync(passwordFile)) {
  const password = randomBytes(15).toString('base64url');
  execFileSync(process.execPath, [collectorBin, 'user', 'create', '--name', 'admin', '--role', 'admin', ...common], { input: `${password}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
}
const key = readFileSync(keyFile, 'utf8').trim();
const agentLog = join(state, 'agent.log');
const agent = spawn(process.execPath, [agentBin, 'run', '--config', agentConfig], { stdio: ['ignore', openSync(agentLog, 'a'), openSync(agentLog, 'a')] });

const ca = join(dataDir, 'tls', 'ca.pem');
console.log(`
Hallmonitor is running.
  dashboard      ${url}/   sign in as admin, password in ${passwordFile}
                 (the collector's own CA signs its certificate: your browser will ask once)
  collector      ${url}   (TLS with its own CA: ${ca})
  admin API key  ${keyFile}
  logs           ${collectorLog}
                 ${agentLog}

Try:
  curl --cacert "${ca}" -H "Authorization: Bearer ${key}" ${url}/api/v1/hosts
  pnpm exec hallmonitor-agent collect --once --json

Ctrl-C stops both.`);

const stop = () => {
  agent.kill('SIGTERM');
  collector.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
collector.on('exit', (code) => {
  if (code) console.error(`collector exited with ${code}; see ${collectorLog}`);
  agent.kill('SIGTERM');
});
