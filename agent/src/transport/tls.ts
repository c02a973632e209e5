import type { PeerCertificate } from 'node:tls';
import { chainHasPin } from '@hallmonitor/shared';

export interface PinnedTls {
  readonly ca?: string;
  readonly checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  readonly rejectUnauthorized: true;
}

/**
 * TLS options for talking to our collector. The chain must verify against the
 * CA fetched at enrollment AND carry the pinned key. With our own CA (the
 * default) the host name is not checked: the CA is private to this collector,
 * so any certificate it signed is the collector, whatever address the agent
 * dials (schools move closet servers between IPs).
 */
export function pinnedTlsOptions(ca: string | undefined, pin: string | undefined): PinnedTls {
  if (!pin) return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    checkServerIdentity: (_host, cert) =>
      chainHasPin(cert, pin) ? undefined : new Error(`collector certificate does not match pin ${pin}`),
  };
}
