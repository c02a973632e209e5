import type { AgentSettings } from '@hallmonitor/shared';
import type { ResolvedConfig } from '../config/load.js';
import { catalogFor, type DownloadCatalog } from './catalog.js';
import { resolveDownloadsDir } from './files.js';
import { renderInstallCommands, type InstallCommands } from './one-liners.js';
import { updateAdvert } from './update-advert.js';

export function downloadsCatalog(config: ResolvedConfig): DownloadCatalog {
  return catalogFor(resolveDownloadsDir(config.downloads?.dir, config.dataDir));
}

/** The welcome `settings` part for self-update: `{update: …}` or nothing. */
export function agentUpdateSettings(config: ResolvedConfig): AgentSettings {
  const advert = updateAdvert(config.updates, downloadsCatalog(config).snapshot());
  // AgentSettings allows additional properties; its static type lists only the known ones.
  return advert ? ({ update: advert } as AgentSettings) : {};
}

/**
 * The install one-liners for a token. The URL is the configured public URL,
 * else the address the admin used to reach this API (which lab PCs on the same
 * network can usually reach too), else the collector's own idea of its URL.
 */
export async function installCommandsFor(config: ResolvedConfig, token: string, opts: { readonly requestOrigin?: string; readonly fallbackUrl: string }): Promise<InstallCommands> {
  const snap = await downloadsCatalog(config).current();
  return renderInstallCommands({
    collectorUrl: config.publicUrl?.replace(/\/+$/, '').replace(/^(https?:\/\/[^/]+).*$/, '$1') ?? opts.requestOrigin ?? opts.fallbackUrl,
    token,
    ...(snap.scripts.sh ? { shSha256: snap.scripts.sh.sha256 } : {}),
    ...(snap.scripts.ps1 ? { ps1Sha256: snap.scripts.ps1.sha256 } : {}),
  });
}
