import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `node collector/ui/build.mjs` (part of the collector's build) writes the dashboard. */
export const UI_DIST_DIR = fileURLToPath(new URL('../../ui-dist/', import.meta.url));

const PUBLIC = { config: { access: 'public' as const } };
const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
// Only flat names the build writes: no slashes, no dot-dot, a known extension.
const ASSET_RE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|png)$/;
// esbuild's [hash]: these names change whenever the content does, so browsers may keep them for ever.
const HASHED_RE = /-[A-Z0-9]{8}\.(js|css)$/;

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly mtimeMs: number;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hallmonitor</title></head><body>
<h1>Hallmonitor</h1><p>The dashboard has not been built. Run <code>pnpm --filter @hallmonitor/collector build</code> and reload.</p>
<p>The API works without it: <code>/api/v1/hosts</code>.</p></body></html>`;

/**
 * Serves the dashboard: `/` is index.html (revalidated every time, so a new
 * build shows up at once), `/ui/*` the bundled, content-hashed assets (cached
 * for a year; a gzip twin is sent when the browser accepts it). Everything
 * comes from this process: the dashboard works on a school LAN with no internet.
 */
export async function uiRoutes(app: FastifyInstance, opts: { readonly dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? UI_DIST_DIR;
  const cache = new Map<string, Asset>();

  // Re-reads a file only when it changed on disk (a rebuild while serving).
  const load = async (path: string): Promise<Asset | undefined> => {
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit;
    const body = await readFile(path);
    const gzip = await readFile(`${path}.gz`).catch(() => undefined);
    const asset: Asset = { body, gzip, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, mtimeMs: st.mtimeMs };
    cache.set(path, asset);
    return asset;
  };

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, type: string, cacheControl: string): FastifyReply => {
    reply.header('content-type', type).header('cache-control', cacheControl).header('etag', a.etag).header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
    const gz = a.gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gz) reply.header('content-encoding', 'gzip');
    return reply.send(gz ? a.gzip : a.body);
  };

  const index = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const a = await load(join(dir, 'index.html'));
    if (!a) return reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return send(req, reply, a, 'text/html; charset=utf-8', 'no-cache');
  };

  app.get('/', PUBLIC, index);

  // Alert links in webhooks and chat point at /hosts/{id}; the dashboard routes by hash.
  app.get<{ Params: { id: string } }>('/hosts/:id', PUBLIC, async (req, reply) => reply.redirect(`/#/host/${encodeURIComponent(req.params.id)}`, 302));

  app.get<{ Params: { file: string } }>('/ui/:file', PUBLIC, async (req, reply) => {
    const name = req.params.file;
    const m = ASSET_RE.exec(name);
    const a = m ? await load(join(dir, 'ui', name)) : undefined;
    if (!m || !a) return reply.status(404).send({ code: 'HM_NOT_FOUND', message: `no dashboard file ${name.slice(0, 100)}` });
    return send(req, reply, a, TYPES[`.${m[1]}`] ?? 'application/octet-stream', HASHED_RE.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
}
