/**
 * Makes one certificate in a short-lived child process (material.ts forks it):
 * the certificate library (@peculiar/x509 and its ASN.1 stack) costs a Node
 * process ~20 MB of RSS once loaded, and the collector should not carry that
 * for months after its first start.
 */
import { fileURLToPath } from 'node:url';
import { createCa, createServerCert, type PemPair } from './generate.js';

export type GenerateRequest = { readonly kind: 'ca'; readonly commonName: string } | { readonly kind: 'server'; readonly ca: PemPair; readonly names: readonly string[] };
export type GenerateReply = { readonly ok: true; readonly pair: PemPair } | { readonly ok: false; readonly error: string };

export async function generate(req: GenerateRequest): Promise<PemPair> {
  const out = req.kind === 'ca' ? await createCa(req.commonName) : await createServerCert(req.ca, req.names);
  return { certPem: out.certPem, keyPem: out.keyPem };
}

// Only when forked as this file: imported (the in-process fallback) it must not touch the host's IPC channel.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const send = process.send.bind(process);
  process.once('message', (req: GenerateRequest) => {
    generate(req).then(
      (pair) => send({ ok: true, pair } satisfies GenerateReply, () => process.exit(0)),
      (err: Error) => send({ ok: false, error: err.message } satisfies GenerateReply, () => process.exit(1)),
    );
  });
}
