import type { NotifierConfig } from '../config/schema.js';
import type { Notification } from './notification.js';

export interface OutgoingRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliveryMeta {
  /** Stable across retries of one delivery: the receiver's idempotency key. */
  readonly deliveryId: string;
  /** Seconds since the epoch, at this attempt. */
  readonly timestamp: number;
}

/**
 * A notification channel. Each type is one file that turns the same alert data
 * into its own request; delivery, retries and the SSRF guard are shared.
 */
export interface NotifierType {
  readonly type: NotifierConfig['type'];
  build(config: NotifierConfig, notification: Notification, meta: DeliveryMeta): OutgoingRequest;
}
