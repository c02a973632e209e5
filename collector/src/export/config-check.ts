import { parseDuration } from '@hallmonitor/shared';
import { parseSize } from '../storage/config.js';
import type { MetricsExportConfig, RemoteWriteConfig } from './config.js';

/** Checks beyond the schema for `metrics:` and `remoteWrite:`; `fail` throws the one-line config error. */
export function checkExportConfig(c: { readonly metrics: MetricsExportConfig; readonly remoteWrite: readonly RemoteWriteConfig[] }, fail: (field: string, problem: string) => never): void {
  if (parseDuration(c.metrics.maxAge) === undefined) fail('metrics.maxAge', 'not a duration');
  const names = new Set<string>();
  c.remoteWrite.forEach((r, i) => {
    const at = `remoteWrite[${i}]`;
    if (names.has(r.name)) fail(`${at}.name`, `duplicate remote-write name ${r.name}`);
    names.add(r.name);
    let u: URL | undefined;
    try {
      u = new URL(r.url);
    } catch {
      fail(`${at}.url`, `not a valid URL for remote write ${r.name}`);
    }
    if (u && (u.username || u.password)) fail(`${at}.url`, 'put credentials in basicAuth or bearerToken, not in the URL');
    if (r.bearerToken !== undefined && r.basicAuth !== undefined) fail(`${at}`, 'use bearerToken or basicAuth, not both');
    const size = parseSize(r.maxBacklog);
    if (size === undefined || size < 1_000_000) fail(`${at}.maxBacklog`, 'must be a size of at least 1MB');
    const min = parseDuration(r.minBackoff);
    const max = parseDuration(r.maxBackoff);
    if (min === undefined || min <= 0) fail(`${at}.minBackoff`, 'must be a positive duration');
    if (max === undefined || (min !== undefined && max < min)) fail(`${at}.maxBackoff`, 'must be a duration not shorter than minBackoff');
    if (parseDuration(r.timeout) === undefined) fail(`${at}.timeout`, 'not a duration');
  });
}
