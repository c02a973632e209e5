import { alertLines, headline, topSeverity, truncate } from '../format.js';
import type { NotifierType } from '../notifier.js';

/** Microsoft Teams (Workflows webhook): an Adaptive Card message. */
export const teamsNotifier: NotifierType = {
  type: 'teams',
  build(_config, n) {
    const color = n.status === 'resolved' ? 'Good' : topSeverity(n) === 'critical' ? 'Attention' : 'Warning';
    const link = n.alerts[0]?.url;
    return {
      headers: {},
      body: JSON.stringify({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: truncate(headline(n), 200), weight: 'Bolder', size: 'Medium', color, wrap: true },
                ...alertLines(n).map((l) => ({ type: 'TextBlock', text: truncate(l, 500), wrap: true })),
              ],
              ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Hallmonitor', url: link }] } : {}),
            },
          },
        ],
      }),
    };
  },
};
