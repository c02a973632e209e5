import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random id with a readable prefix (`ag_…`, `tok_…`). */
export function newId(prefix: string, bytes = 9): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** A high-entropy secret (192 bits by default), URL-safe. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Secrets we generate are random and long, so a plain SHA-256 is enough to
 * store them: there is nothing to brute-force. (Human passwords get a
 * memory-hard hash instead.)
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
