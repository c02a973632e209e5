import { alertLines, headline, topSeverity, truncate } from '../format.js';
import type { NotifierType } from '../notifier.js';

const COLORS: Readonly<Record<string, number>> = { resolved: 0x2e7d32, critical: 0xc62828, warning: 0xef6c00, info: 0x1565c0 };

/** Discord webhook: one embed, within Discord's length limits. */
export const discordNotifier: NotifierType = {
  type: 'discord',
  build(_config, n) {
    const link = n.alerts[0]?.url;
    return {
      headers: {},
      body: JSON.stringify({
        username: 'Hallmonitor',
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: truncate(headline(n), 256),
            description: truncate(alertLines(n).join('\n'), 4000),
            color: n.status === 'resolved' ? COLORS.resolved : COLORS[topSeverity(n)] ?? COLORS.info,
            ...(link ? { url: link } : {}),
            timestamp: n.alerts[0]?.endsAt ?? n.alerts[0]?.startsAt,
          },
        ],
      }),
    };
  },
};
