import { fork } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spkiPin } from '@hallmonitor/shared';
import type { ResolvedConfig } from '../config/load.js';
import { CollectorError } from '../errors.js';
import type { PemPair } from './generate.js';
import type { GenerateReply, GenerateRequest } from './generate-child.js';

export interface TlsMaterial {
  /** Server certificate chain (leaf first) and key for the HTTPS server. */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** What agents trust: our CA in auto mode, the configured chain in files mode. */
  readonly trustPem: string;
  /** SPKI pin of `trustPem`'s first certificate; it travels inside enrollment tokens. */
  readonly pin: string;
}

function writeSecret(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function expiresWithin(certPath: string, ms: number): boolean {
  if (!existsSync(certPath)) return true;
  return Date.parse(new X509Certificate(readFileSync(certPath)).validTo) - Date.now() < ms;
}

/**
 * Makes a certificate in a child process, so the certificate library never
 * loads into the collector (generate-child.ts). Run from TypeScript sources
 * (the unit tests) there is no compiled child to fork: it is made in-process.
 */
async function generateCert(req: GenerateRequest): Promise<PemPair> {
  const child = fileURLToPath(new URL('./generate-child.js', import.meta.url));
  if (!existsSync(child)) return (await import('./generate-child.js')).generate(req);
  return new Promise((resolve, reject) => {
    const proc = fork(child, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    let reply: GenerateReply | undefined;
    proc.once('message', (m: GenerateReply) => (reply = m));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      if (reply?.ok) resolve(reply.pair);
      else reject(new Error(reply && !reply.ok ? reply.error : `certificate generator exited with code ${code}`));
    });
    proc.send(req);
  });
}

function localNames(extra: readonly string[]): string[] {
  const names = [os.hostname(), 'localhost', '127.0.0.1', '::1', ...extra];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && !a.address.startsWith('fe80:')) names.push(a.address);
  }
  return names;
}

/**
 * Loads or creates TLS material. In `auto` mode the first start creates a CA
 * and a server certificate under `<dataDir>/tls`; later starts reuse them, and
 * a server certificate near expiry is re-issued by the same CA, so the pin
 * enrolled agents hold (the CA key) keeps working.
 */
export async function loadTlsMaterial(config: ResolvedConfig): Promise<TlsMaterial | undefined> {
  if (config.tls.mode === 'off') return undefined;
  if (config.tls.mode === 'files') {
    try {
      const certChainPem = readFileSync(config.tls.certFile as string, 'utf8');
      const keyPem = readFileSync(config.tls.keyFile as string, 'utf8');
      const first = certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
      if (!first) throw new Error(`${config.tls.certFile} holds no certificate`);
      // With a district PKI the leaf's own key is pinned: the district CA signs many servers.
      return { certChainPem, keyPem, trustPem: certChainPem, pin: spkiPin(first[0]) };
    } catch (err) {
      throw new CollectorError('HM_TLS', `tls: cannot load certFile/keyFile: ${(err as Error).message}`);
    }
  }
  const dir = join(config.dataDir, 'tls');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const caCert = join(dir, 'ca.pem');
    const caKey = join(dir, 'ca.key');
    const srvCert = join(dir, 'server.pem');
    const srvKey = join(dir, 'server.key');
    if (!existsSync(caCert) || !existsSync(caKey)) {
      const ca = await generateCert({ kind: 'ca', commonName: `Hallmonitor collector CA (${os.hostname()})` });
      writeSecret(caKey, ca.keyPem);
      writeFileSync(caCert, ca.certPem);
    }
    const ca = { certPem: readFileSync(caCert, 'utf8'), keyPem: readFileSync(caKey, 'utf8') };
    if (!existsSync(srvKey) || expiresWithin(srvCert, 30 * 86_400_000)) {
      const srv = await generateCert({ kind: 'server', ca, names: localNames(config.tls.hostnames ?? []) });
      writeSecret(srvKey, srv.keyPem);
      writeFileSync(srvCert, srv.certPem);
    }
    return {
      certChainPem: `${readFileSync(srvCert, 'utf8').trim()}\n${ca.certPem.trim()}\n`,
      keyPem: readFileSync(srvKey, 'utf8'),
      trustPem: ca.certPem,
      pin: spkiPin(ca.certPem),
    };
  } catch (err) {
    if (err instanceof CollectorError) throw err;
    throw new CollectorError('HM_TLS', `cannot create TLS material in ${dir}: ${(err as Error).message}`);
  }
}
