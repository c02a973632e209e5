#!/usr/bin/env node
// Builds the self-contained agent executables (Node single-executable
// applications) plus their checksums, a manifest the collector reads to
// advertise updates, and the install scripts, into one downloads directory
// that a collector can serve as it is.
//
//   node scripts/build-agent/build.mjs [--targets linux-x64,linux-arm64,windows-x64]
//        [--out dist/agent-bin] [--version X.Y.Z] [--node TARGET=PATH]…
//        [--banner FILE] [--skip-tsc]
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleAgent } from './bundle.mjs';
import { nodeBinaryFor } from './node-binaries.mjs';
import { injectBlob, makeBlob } from './sea.mjs';
import { TARGETS } from './targets.mjs';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_SCRIPTS = ['install-agent.sh', 'install-agent.ps1'];

function usage(msg) {
  if (msg) console.error(`build-agent: ${msg}`);
  console.error('usage: build.mjs [--targets linux-x64,linux-arm64,windows-x64] [--out DIR] [--version X.Y.Z] [--node TARGET=PATH]… [--banner FILE] [--skip-tsc]');
  process.exit(2);
}

export function parseArgs(argv) {
  const o = { targets: Object.keys(TARGETS), out: join(REPO, 'dist', 'agent-bin'), version: undefined, nodes: {}, banner: undefined, skipTsc: false, cacheDir: join(REPO, '.cache', 'node-binaries') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? usage(`${a}: missing value`);
    if (a === '--targets') o.targets = next().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--out') o.out = resolve(next());
    else if (a === '--version') o.version = next();
    else if (a === '--banner') o.banner = resolve(next());
    else if (a === '--cache-dir') o.cacheDir = resolve(next());
    else if (a === '--skip-tsc') o.skipTsc = true;
    else if (a === '--node') {
      const [t, p] = next().split(/=(.*)/s);
      if (!t || !p || !(t in TARGETS)) usage(`--node: expected TARGET=PATH with TARGET one of ${Object.keys(TARGETS).join(', ')}`);
      o.nodes[t] = resolve(p);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  for (const t of o.targets) if (!(t in TARGETS)) usage(`--targets: unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
  if (o.version !== undefined && !/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(o.version)) usage('--version: letters, digits, dots, + and - only');
  return o;
}

async function sha256File(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest('hex');
}

async function readManifest(out) {
  try {
    return JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  } catch {
    return { files: {} };
  }
}

/** Atomic write: the collector may be serving this directory right now. */
async function writeAtomic(path, text) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

export async function buildAgent(o, log = (m) => console.error(`build-agent: ${m}`)) {
  const started = Date.now();
  const version = o.version ?? JSON.parse(await readFile(join(REPO, 'agent', 'package.json'), 'utf8')).version;
  if (!o.skipTsc) {
    log('compiling the agent (tsc -b agent)');
    await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'agent'], { cwd: REPO });
  }
  await mkdir(o.out, { recursive: true });
  const work = await mkdtemp(join(os.tmpdir(), 'hm-build-agent-'));
  try {
    // One bundle (and SEA blob) per OS: each leaves out what only the others use.
    const blobs = new Map();
    const blobFor = async (os) => {
      if (!blobs.has(os)) {
        const dir = join(work, os);
        await mkdir(dir);
        const bundle = join(dir, 'hallmonitor-agent.cjs');
        const { inputs } = await bundleAgent({ outfile: bundle, version, banner: o.banner, os });
        log(`bundled ${inputs} modules for ${os} into ${((await stat(bundle)).size / 1024).toFixed(0)} KiB (version ${version})`);
        blobs.set(os, await makeBlob({ bundle, workDir: dir }));
      }
      return blobs.get(os);
    };

    const manifest = await readManifest(o.out);
    for (const target of o.targets) {
      const t = TARGETS[target];
      const blob = await blobFor(t.os);
      const nodeBinary = await nodeBinaryFor(target, { override: o.nodes[target], cacheDir: o.cacheDir, log });
      const tmp = await injectBlob({ nodeBinary, blob, outFile: join(o.out, t.file) });
      const sha256 = await sha256File(tmp);
      const { size } = await stat(tmp);
      await rename(tmp, join(o.out, t.file));
      manifest.files[t.file] = { target, version, sha256, size, node: process.versions.node };
      log(`${t.file}: ${(size / 1048576).toFixed(1)} MiB, sha256 ${sha256}`);
    }
    // Entries whose file has gone are dropped; the manifest describes what is served.
    for (const f of Object.keys(manifest.files)) {
      if (!(await stat(join(o.out, f)).catch(() => undefined))) delete manifest.files[f];
    }
    manifest.version = version;
    manifest.builtAt = new Date().toISOString();

    for (const s of INSTALL_SCRIPTS) await copyFile(join(REPO, 'scripts', 'install', s), join(o.out, s));
    await writeAtomic(join(o.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const names = (await readdir(o.out)).filter((f) => f.startsWith('hallmonitor-agent-') && !f.includes('.tmp')).sort();
    const sums = [];
    for (const f of names) sums.push(`${manifest.files[f]?.sha256 ?? (await sha256File(join(o.out, f)))}  ${f}`);
    await writeAtomic(join(o.out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s → ${o.out}`);
    return { out: o.out, version, manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAgent(parseArgs(process.argv.slice(2))).catch((err) => {
    console.error(`build-agent: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
