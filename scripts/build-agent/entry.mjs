// Entry point of the single-file agent. esbuild bundles this (and everything it
// imports) into one CommonJS file that Node's SEA support runs as the main script.
import { main } from '../../agent/dist/cli/main.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hallmonitor-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
