import { signWebhook } from '@hallmonitor/shared';
import type { NotifierType } from '../notifier.js';

/** Generic webhook: PRODUCT.md's body, signed per Standard Webhooks (one signature per configured secret). */
export const webhookNotifier: NotifierType = {
  type: 'webhook',
  build(config, notification, meta) {
    const body = JSON.stringify(notification);
    const secrets = config.secret === undefined ? [] : Array.isArray(config.secret) ? config.secret : [config.secret];
    return {
      body,
      headers: {
        'webhook-id': meta.deliveryId,
        'webhook-timestamp': String(meta.timestamp),
        'webhook-signature': signWebhook(secrets, { id: meta.deliveryId, timestamp: meta.timestamp, body }),
      },
    };
  },
};
