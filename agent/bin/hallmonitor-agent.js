#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `pnpm build`.
// --lite-mode (no optimizing compiler) before any agent code is compiled: the agent runs a
// few ms of JS every 15 s, so optimized code buys nothing and costs ~5 MB of RSS.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--lite-mode');
const { main } = await import('../dist/cli/main.js');

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hallmonitor-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
