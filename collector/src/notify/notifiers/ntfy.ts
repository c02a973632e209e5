import { alertLines, headline, topSeverity, truncate } from '../format.js';
import type { NotifierType } from '../notifier.js';

/**
 * ntfy (self-hosted or ntfy.sh): the notifier URL is the topic URL; the text
 * is the body and title/priority/tags travel as headers. An access token goes in
 * `secret` and is sent as a bearer token.
 */
export const ntfyNotifier: NotifierType = {
  type: 'ntfy',
  build(config, n) {
    const priority = n.status === 'resolved' ? '3' : topSeverity(n) === 'critical' ? '5' : topSeverity(n) === 'warning' ? '4' : '3';
    const token = typeof config.secret === 'string' ? config.secret : undefined;
    const link = n.alerts[0]?.url;
    return {
      body: truncate(alertLines(n).join('\n'), 3800),
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        // Header values must be Latin-1: strip anything else from the title.
        title: truncate(headline(n).replace(/[^\x20-\x7e]/g, ''), 200),
        priority,
        tags: n.status === 'resolved' ? 'white_check_mark' : 'rotating_light',
        ...(link ? { click: link } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    };
  },
};
