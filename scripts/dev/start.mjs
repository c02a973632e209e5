#!/usr/bin/env node
// `pnpm start`: a collector on embedded SQLite plus a local agent reporting to
// it, for a first look. State lives in ./.hallmonitor (delete it to start over).
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const state = join(root, '.hallmonitor');
const dataDir = join(state, 'collector-data');
const agentConfig = join(state, 'agent.yaml');
const keyFile = join(state, 'admin-api-key');
const port = process.env.HALLMONITOR_PORT ?? '8470';
const collectorBin = join(root, 'collector', 'bin', 'hallmonitor-collector.js');
const agentBin = join(root, 'agent', 'bin', 'hallmonitor-agent.js');
mkdirSync(state, { recursive: true, mode: 0o700 });

const cli = (bin, args) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const common = ['--data-dir', dataDir];

const collectorLog = join(state, 'collector.log');
const collector = spawn(process.execPath, [collectorBin, 'serve', ...common, '--listen', `0.0.0.0:${port}`], { stdio: ['ignore', openSync(collectorLog, 'a'), openSync(collectorLog, 'a')] });
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
}
if (!existsSync(keyFile)) {
  const { key } = JSON.parse(cli(collectorBin, ['apikey', 'create', '--role', 'admin', ...common, '--json']));
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
}
const key = readFileSync(keyFile, 'utf8').trim();
const agentLog = join(state, 'agent.log');
const agent = spawn(process.execPath, [agentBin, 'run', '--config', agentConfig], { stdio: ['ignore', openSync(agentLog, 'a'), openSync(agentLog, 'a')] });

const ca = join(dataDir, 'tls', 'ca.pem');
console.log(`
Hallmonitor is running.
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
