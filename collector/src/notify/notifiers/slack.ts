import { alertLines, headline, truncate } from '../format.js';
import type { NotifierType } from '../notifier.js';

/** Slack incoming webhook: a text fallback plus one mrkdwn section. */
export const slackNotifier: NotifierType = {
  type: 'slack',
  build(_config, n) {
    const text = `*${headline(n)}*\n${alertLines(n).join('\n')}`;
    const link = n.alerts[0]?.url;
    return {
      headers: {},
      body: JSON.stringify({
        text: truncate(headline(n), 150),
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 2900) } },
          ...(link ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `<${link}|Open in Hallmonitor>` }] }] : []),
        ],
      }),
    };
  },
};
