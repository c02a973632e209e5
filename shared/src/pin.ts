import { createHash, X509Certificate } from 'node:crypto';

/**
 * A certificate pin: `sha256/` + base64 of the SHA-256 of the certificate's
 * SubjectPublicKeyInfo (the HPKP form). Pinning the key, not the certificate,
 * survives re-issuing a certificate for the same key.
 */
export function spkiPin(cert: string | Buffer | X509Certificate): string {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** A TLS peer certificate as Node's `getPeerCertificate(true)` gives it. */
export interface PeerCertLike {
  readonly raw: Buffer;
  readonly issuerCertificate?: PeerCertLike;
}

/** True when any certificate in the presented chain carries the pinned key. */
export function chainHasPin(leaf: PeerCertLike, pin: string): boolean {
  const seen = new Set<PeerCertLike>();
  for (let c: PeerCertLike | undefined = leaf; c && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    if (spkiPin(c.raw) === pin) return true;
  }
  return false;
}
