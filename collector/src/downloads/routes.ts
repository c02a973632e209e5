import { open } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { CollectorError } from '../errors.js';
import { sha256sums } from './catalog.js';
import { SERVABLE_NAME } from './files.js';
import { downloadsCatalog } from './service.js';
import { updateAdvert } from './update-advert.js';

const PUBLIC = { config: { access: 'public' as const } };

/**
 * GET /install.sh, /install.ps1, /downloads/SHA256SUMS and /downloads/{file},
 * without auth (PRODUCT.md): a lab PC has nothing to authenticate with before
 * it enrolls, and nothing here is secret. Integrity comes from the checksums,
 * which the install scripts fetch over the pinned connection.
 */
export async function downloadRoutes(app: FastifyInstance, ctx: Pick<ApiContext, 'config'>): Promise<void> {
  const catalog = downloadsCatalog(ctx.config);
  const first = await catalog.current();
  app.log.info({ dir: first.dir, files: [...first.files.keys()], version: first.manifest.version }, 'serving agent downloads');

  const script = (kind: 'sh' | 'ps1', type: string) => async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    const s = (await catalog.current()).scripts[kind];
    if (!s) throw new CollectorError('HM_NOT_FOUND', `install-agent.${kind} is not in ${catalog.dir}`);
    return reply.type(type).header('cache-control', 'no-cache').header('x-content-sha256', s.sha256).send(s.text);
  };
  app.get('/install.sh', PUBLIC, script('sh', 'text/x-shellscript; charset=utf-8'));
  app.get('/install.ps1', PUBLIC, script('ps1', 'text/plain; charset=utf-8'));

  app.get('/downloads/SHA256SUMS', PUBLIC, async (_req, reply) => {
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(sha256sums(await catalog.current()));
  });

  // The same advert as the welcome's settings.update, for agents that stay connected
  // for weeks: a build dropped into the downloads dir reaches them without a reconnect.
  app.get('/downloads/update.json', PUBLIC, async (_req, reply) => {
    return reply.header('cache-control', 'no-cache').send({ update: updateAdvert(ctx.config.updates, await catalog.current()) ?? null });
  });

  app.get<{ Params: { file: string } }>('/downloads/:file', PUBLIC, async (req, reply) => {
    const name = req.params.file;
    const f = SERVABLE_NAME.test(name) ? (await catalog.current()).files.get(name) : undefined;
    if (!f) throw new CollectorError('HM_NOT_FOUND', `no download named ${JSON.stringify(name.slice(0, 128))}`);
    // Size and checksum come from the open file: a new build may have replaced it since the last look.
    const handle = await open(f.path, 'r');
    const st = await handle.stat();
    const same = st.size === f.size && st.mtimeMs === f.mtimeMs;
    reply
      .type(name.endsWith('.json') ? 'application/json' : 'application/octet-stream')
      .header('content-length', st.size)
      .header('content-disposition', `attachment; filename="${f.name}"`);
    if (same) reply.header('etag', `"${f.sha256}"`).header('x-content-sha256', f.sha256);
    return reply.send(handle.createReadStream());
  });
}
