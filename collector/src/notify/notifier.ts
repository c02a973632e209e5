import type { NotifierConfig } from '../config/schema.js';
import type { Notification } from './notification.js';

export interface OutgoingRequest {
  readonly body: string;
  /** Extra headers; may override the default JSON content type. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliveryMeta {
  /** Stable across retries of one delivery: the receiver's idempotency key. */
  readonly deliveryId: string;
  /** Seconds since the epoch, at this attempt. */
  readonly timestamp: number;
}

/** What one delivery attempt achieved, in terms the retry policy understands. */
export interface DeliveryResult {
  readonly ok: boolean;
  /** HTTP status or SMTP reply code, when there was one. */
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  /** No retry will help (410 Gone, refused address, rejected recipients). */
  readonly permanent?: boolean;
  readonly detail: string;
}

/**
 * A notification channel. Each type is one file that turns the same alert data
 * into its own request (`build`, sent over guarded HTTP by the worker) or
 * delivers it itself (`deliver`, e.g. SMTP). Retries and bookkeeping are shared.
 */
export interface NotifierType {
  readonly type: NotifierConfig['type'];
  build?(config: NotifierConfig, notification: Notification, meta: DeliveryMeta): OutgoingRequest;
  deliver?(config: NotifierConfig, notification: Notification, meta: DeliveryMeta, timeoutMs: number): Promise<DeliveryResult>;
}
