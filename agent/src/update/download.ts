import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { PinnedTls } from '../transport/tls.js';

export interface DownloadSpec {
  readonly url: string;
  readonly tls: PinnedTls;
  readonly sha256: string;
  readonly size: number;
  readonly dest: string;
  readonly timeoutMs?: number;
}

/**
 * Downloads over the same pinned TLS as the agent's connection and checks size
 * and sha256 while writing; on any mismatch the file is removed and this throws.
 */
export async function downloadVerified(spec: DownloadSpec): Promise<void> {
  const u = new URL(spec.url);
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = fn(u, { method: 'GET', timeout: spec.timeoutMs ?? 600_000, ...(u.protocol === 'https:' ? spec.tls : {}) });
    req.on('response', resolve);
    req.on('timeout', () => req.destroy(new Error(`download of ${u.pathname} timed out`)));
    req.on('error', reject);
    req.end();
  });
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`download of ${u.pathname}: HTTP ${res.statusCode}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb): void {
      bytes += chunk.length;
      if (bytes > spec.size) return cb(new Error(`download of ${u.pathname} is larger than the advertised ${spec.size} bytes`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, createWriteStream(spec.dest, { mode: 0o755 }));
    if (bytes !== spec.size) throw new Error(`download of ${u.pathname}: got ${bytes} bytes, expected ${spec.size}`);
    const got = hash.digest('hex');
    if (got !== spec.sha256) throw new Error(`download of ${u.pathname}: sha256 ${got} does not match the advertised ${spec.sha256}`);
  } catch (err) {
    await rm(spec.dest, { force: true });
    throw err;
  }
}
