import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks (standardwebhooks.com) signing input. */
export interface WebhookSignatureInput {
  readonly id: string;
  /** Seconds since the Unix epoch. */
  readonly timestamp: number;
  readonly body: string;
}

function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

function sign1(secret: string, input: WebhookSignatureInput): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${input.id}.${input.timestamp}.${input.body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-signature` header value. Several secrets give several
 * space-separated signatures, which lets a receiver rotate its secret without a gap.
 */
export function signWebhook(secrets: readonly string[], input: WebhookSignatureInput): string {
  return secrets.map((s) => sign1(s, input)).join(' ');
}

/**
 * Verifies a `webhook-signature` header against a secret, within a timestamp
 * tolerance (default 5 minutes) to refuse replays.
 */
export function verifyWebhook(
  secret: string,
  input: WebhookSignatureInput,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (Math.abs(nowSeconds - input.timestamp) > toleranceSeconds) return false;
  const want = Buffer.from(sign1(secret, input));
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === want.length && timingSafeEqual(got, want);
  });
}
