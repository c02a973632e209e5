import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./entry.mjs', import.meta.url));

/**
 * Bundles the compiled agent (agent/dist) and its dependencies into one
 * CommonJS file: SEA runs a single CommonJS script and its `require` only
 * reaches Node's built-in modules.
 *
 * `os` ('linux', 'win32', 'darwin') makes a bundle for that OS only; without
 * it the bundle runs anywhere.
 */
export async function bundleAgent({ outfile, version, banner, os }) {
  const bannerJs = banner ? await readFile(banner, 'utf8') : '';
  const result = await build({
    entryPoints: [ENTRY],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Minified: the script source stays in memory for the life of the process.
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true,
    // CommonJS has no import.meta; the agent's sources do not use it, dependencies might.
    define: { 'import.meta.url': '__hm_import_meta_url' },
    // --lite-mode (no optimizing compiler): an agent runs a few ms of JS every 15 s, so
    // optimized code buys nothing and costs ~5 MB of RSS (measured: agent/README.md).
    banner: { js: `require('node:v8').setFlagsFromString('--lite-mode');\nconst __hm_import_meta_url = require('node:url').pathToFileURL(process.execPath).href;\n${bannerJs}` },
    plugins: [versionPlugin(version), noNativePlugin(), ...(os === 'linux' ? [noSystemInformationPlugin()] : [])],
  });
  await writeFile(outfile, asciiOnly(result.outputFiles[0].text));
  return { inputs: Object.keys(result.metafile.inputs).length };
}

/**
 * The script must be pure ASCII: Node 20's SEA turns the embedded script into a
 * V8 string, and one non-ASCII character makes the whole ~0.7 MB source a
 * two-byte string held for the life of the process (measured: 2.0 MB instead of
 * 1.0 MB on the heap, agent/README.md). esbuild's `charset: 'ascii'` escapes
 * strings, templates and identifiers but leaves regular expression literals as
 * written (systeminformation has /[^°]/ and /мс/); those are all that is left,
 * and `\uXXXX` means the same character inside a regular expression, with or
 * without the `u` flag (a surrogate pair in `u` mode is one code point).
 */
export function asciiOnly(js) {
  return js.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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

/**
 * The Linux agent reads /proc and /sys and never loads systeminformation
 * (agent/src/collectors/si.ts); leaving its 320 KB out of the Linux bundle keeps
 * them out of the script source the agent holds in memory. Should a Linux code
 * path ever call it, that collector fails with this message instead.
 */
function noSystemInformationPlugin() {
  return {
    name: 'hallmonitor-no-systeminformation',
    setup(b) {
      b.onResolve({ filter: /^systeminformation$/ }, (args) => ({ path: args.path, namespace: 'hm-not-on-linux' }));
      b.onLoad({ filter: /.*/, namespace: 'hm-not-on-linux' }, () => ({
        contents: `throw new Error('systeminformation is not in the Linux build of the agent');`,
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
