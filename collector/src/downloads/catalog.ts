import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INSTALL_SCRIPTS, REPO_INSTALL_DIR, SERVABLE_NAME } from './files.js';

export interface ServedFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** What `scripts/build-agent` writes next to the executables. */
export interface BuildManifest {
  readonly version?: string;
  readonly files?: Readonly<Record<string, { readonly version?: string; readonly sha256?: string; readonly target?: string }>>;
}

export interface CatalogSnapshot {
  readonly dir: string;
  readonly files: ReadonlyMap<string, ServedFile>;
  readonly manifest: BuildManifest;
  /** The install scripts, from the downloads dir or else the repository. */
  readonly scripts: Readonly<Record<'sh' | 'ps1', { readonly text: string; readonly sha256: string } | undefined>>;
}

const RECHECK_MS = 5_000;

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * The files in the downloads directory with their checksums. Checksums are
 * computed here, from what is actually served, not trusted from a file: an
 * admin may drop WinSW in or copy a build over by hand. A file is re-hashed
 * only when its size or mtime changed, so a re-check is a few stat calls.
 */
export class DownloadCatalog {
  readonly dir: string;
  #snapshot: CatalogSnapshot;
  #checkedAt = 0;
  #refreshing: Promise<CatalogSnapshot> | undefined;
  readonly #clock: () => number;

  constructor(dir: string, clock: () => number = Date.now) {
    this.dir = dir;
    this.#clock = clock;
    this.#snapshot = { dir, files: new Map(), manifest: {}, scripts: { sh: undefined, ps1: undefined } };
  }

  /** The last known state, without I/O (the WebSocket welcome needs it synchronously). */
  snapshot(): CatalogSnapshot {
    if (this.#clock() - this.#checkedAt > RECHECK_MS) void this.current().catch(() => undefined);
    return this.#snapshot;
  }

  /** The state, re-checked if the last look is more than a few seconds old. */
  current(): Promise<CatalogSnapshot> {
    if (this.#clock() - this.#checkedAt <= RECHECK_MS) return Promise.resolve(this.#snapshot);
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<CatalogSnapshot> {
    const prev = this.#snapshot.files;
    const files = new Map<string, ServedFile>();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (!SERVABLE_NAME.test(name) || name.endsWith('.tmp') || name.includes('.tmp-') || name === 'SHA256SUMS') continue;
      const path = join(this.dir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      const old = prev.get(name);
      const sha256 = old && old.size === st.size && old.mtimeMs === st.mtimeMs ? old.sha256 : await sha256File(path);
      files.set(name, { name, path, size: st.size, mtimeMs: st.mtimeMs, sha256 });
    }
    const manifest = await readFile(join(this.dir, 'manifest.json'), 'utf8')
      .then((t) => JSON.parse(t) as BuildManifest)
      .catch(() => ({}) as BuildManifest);
    const scripts = { sh: await this.#script(INSTALL_SCRIPTS.sh), ps1: await this.#script(INSTALL_SCRIPTS.ps1) };
    this.#snapshot = { dir: this.dir, files, manifest, scripts };
    this.#checkedAt = this.#clock();
    return this.#snapshot;
  }

  async #script(name: string): Promise<{ text: string; sha256: string } | undefined> {
    for (const dir of [this.dir, REPO_INSTALL_DIR]) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (text) return { text, sha256: createHash('sha256').update(text).digest('hex') };
    }
    return undefined;
  }
}

/** `sha256sum -c` format, the same as the build writes. */
export function sha256sums(snap: CatalogSnapshot): string {
  const lines = [...snap.files.values()].filter((f) => f.name !== 'manifest.json').map((f) => `${f.sha256}  ${f.name}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const catalogs = new Map<string, DownloadCatalog>();

/** One catalog per directory per process, shared by the routes, the token API and the welcome settings. */
export function catalogFor(dir: string): DownloadCatalog {
  let c = catalogs.get(dir);
  if (!c) {
    c = new DownloadCatalog(dir);
    catalogs.set(dir, c);
  }
  return c;
}
