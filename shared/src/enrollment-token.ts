/**
 * An enrollment token is `hm1.<secret>[.<pin>]`: the secret the collector
 * stores hashed, and (with TLS) the collector's key pin in base64url, so the
 * agent verifies the very first connection instead of trusting it.
 */
export interface ParsedEnrollmentToken {
  readonly secret: string;
  /** `sha256/<base64>` SPKI pin, absent when the collector runs without TLS. */
  readonly pin?: string;
}

const TOKEN_RE = /^hm1\.([A-Za-z0-9_-]{16,128})(?:\.([A-Za-z0-9_-]{43}))?$/;

export function parseEnrollmentToken(token: string): ParsedEnrollmentToken | undefined {
  const m = TOKEN_RE.exec(token.trim());
  if (!m) return undefined;
  const secret = m[1] as string;
  const pinB64url = m[2];
  if (!pinB64url) return { secret };
  return { secret, pin: `sha256/${Buffer.from(pinB64url, 'base64url').toString('base64')}` };
}

export function formatEnrollmentToken(secret: string, pin?: string): string {
  if (!pin) return `hm1.${secret}`;
  const b64 = pin.replace(/^sha256\//, '');
  return `hm1.${secret}.${Buffer.from(b64, 'base64').toString('base64url')}`;
}
