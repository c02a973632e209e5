#!/usr/bin/env node
// Bundles the dashboard (ui/src, TypeScript) with esbuild into ui-dist/: content-hashed
// files under ui-dist/ui/ (plus .gz twins the server sends to browsers that accept
// gzip) and ui-dist/index.html pointing at them. uPlot is split into its own chunk,
// loaded only by pages with charts. Writes ui-dist/build-report.json with the sizes.
// Type-checking is `tsc -p ui/tsconfig.json` (esbuild only strips types).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const final = join(here, '..', 'ui-dist');
// Built beside the live folder and swapped in at the end, so a running collector
// never serves a half-written bundle.
const out = `${final}.tmp-${process.pid}`;
const assets = join(out, 'ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { main: 'src/main.ts', app: 'static/app.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['chrome109', 'firefox115', 'safari15.4'],
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  outdir: assets,
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});

const outputs = result.metafile.outputs;
const entryOf = (src) => Object.keys(outputs).find((k) => outputs[k].entryPoint === src);
const mainJs = entryOf('src/main.ts');
const css = entryOf('static/app.css');
if (!mainJs || !css) throw new Error('ui build: entry outputs missing');

// What the first page downloads: the entry and its static imports (not dynamic ones).
const firstPage = new Set();
const visit = (file) => {
  if (firstPage.has(file)) return;
  firstPage.add(file);
  for (const imp of outputs[file].imports) if (imp.kind === 'import-statement' && outputs[imp.path]) visit(imp.path);
};
visit(mainJs);

const sizes = {};
for (const file of Object.keys(outputs)) {
  const body = readFileSync(join(here, file));
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(join(here, `${file}.gz`), gz);
  sizes[basename(file)] = { raw: body.length, gzip: gz.length };
}
copyFileSync(join(here, 'static', 'favicon.svg'), join(assets, 'favicon.svg'));
const html = readFileSync(join(here, 'static', 'index.html'), 'utf8').replace('%JS%', basename(mainJs)).replace('%CSS%', basename(css));
writeFileSync(join(out, 'index.html'), html);

const sum = (files, k) => [...files].reduce((n, f) => n + sizes[basename(f)][k], 0);
const jsFiles = Object.keys(outputs).filter((f) => f.endsWith('.js'));
const report = {
  firstPageJs: { files: [...firstPage].map((f) => basename(f)), raw: sum(firstPage, 'raw'), gzip: sum(firstPage, 'gzip') },
  css: { file: basename(css), ...sizes[basename(css)] },
  allJs: { raw: sum(jsFiles, 'raw'), gzip: sum(jsFiles, 'gzip') },
  files: sizes,
};
writeFileSync(join(out, 'build-report.json'), `${JSON.stringify(report, null, 2)}\n`);
rmSync(final, { recursive: true, force: true });
renameSync(out, final);
process.stdout.write(`ui: first-page JS ${report.firstPageJs.raw} B (${report.firstPageJs.gzip} B gzip), all JS ${report.allJs.raw} B (${report.allJs.gzip} B gzip), CSS ${report.css.raw} B (${report.css.gzip} B gzip)\n`);
