import type { NotifierType } from './notifier.js';
import { alertmanagerNotifier } from './notifiers/alertmanager.js';
import { discordNotifier } from './notifiers/discord.js';
import { emailNotifier } from './notifiers/email.js';
import { ntfyNotifier } from './notifiers/ntfy.js';
import { slackNotifier } from './notifiers/slack.js';
import { teamsNotifier } from './notifiers/teams.js';
import { webhookNotifier } from './notifiers/webhook.js';

/** Every notifier type by name; a new channel is a new file added here. */
export const NOTIFIER_TYPES: ReadonlyMap<string, NotifierType> = new Map(
  [webhookNotifier, slackNotifier, teamsNotifier, discordNotifier, ntfyNotifier, emailNotifier, alertmanagerNotifier].map((n) => [n.type, n]),
);
