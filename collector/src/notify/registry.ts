import type { NotifierType } from './notifier.js';
import { webhookNotifier } from './notifiers/webhook.js';

/** Every notifier type by name; a new channel is a new file added here. */
export const NOTIFIER_TYPES: ReadonlyMap<string, NotifierType> = new Map([[webhookNotifier.type, webhookNotifier]]);
