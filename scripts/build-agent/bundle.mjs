import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./entry.mjs', import.meta.url));

/**
 * Bundles the compiled agent (agent/dist) and its dependencies into one
 * CommonJS file: SEA runs a single CommonJS script and its `require` only
 * reaches Node's built-in modules.
 */
export async function bundleAgent({ outfile, version, banner }) {
  const bannerJs = banner ? await readFile(banner, 'utf8') : '';
  const result = await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Minified: the script source stays in memory for the life of the process.
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    // CommonJS has no import.meta; the agent's sources do not use it, dependencies might.
    define: { 'import.meta.url': '__hm_import_meta_url' },
    // --lite-mode (no optimizing compiler): an agent runs a few ms of JS every 15 s, so
    // optimized code buys nothing and costs ~5 MB of RSS (measured: agent/README.md).
    banner: { js: `require('node:v8').setFlagsFromString('--lite-mode');\nconst __hm_import_meta_url = require('node:url').pathToFileURL(process.execPath).href;\n${bannerJs}` },
    plugins: [versionPlugin(version), noNativePlugin()],
  });
  return { inputs: Object.keys(result.metafile.inputs).length };
}

/**
 * ws tries these optional native speed-ups inside try/catch. Left as plain
 * requires they would make SEA print a warning on every start, so they become
 * modules that throw, and ws falls back to its JavaScript code as intended.
 */
function noNativePlugin() {
  return {
    name: 'hallmonitor-no-native',
    setup(b) {
      b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, namespace: 'hm-no-native' }));
      b.onLoad({ filter: /.*/, namespace: 'hm-no-native' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`${args.path} is not bundled`)}), { code: 'MODULE_NOT_FOUND' });`,
        loader: 'js',
      }));
    },
  };
}

/** Stamps the release version into the agent (version.ts says the build replaces it). */
function versionPlugin(version) {
  return {
    name: 'hallmonitor-version',
    setup(b) {
      b.onLoad({ filter: /agent[\\/]dist[\\/]version\.js$/ }, () => ({
        contents: `export const AGENT_VERSION = ${JSON.stringify(version)};\n`,
        loader: 'js',
      }));
    },
  };
}
