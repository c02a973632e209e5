import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NotifierConfig } from '../../config/schema.js';
import { addressAllowed } from '../address-guard.js';
import { alertLines, headline } from '../format.js';
import type { NotifierType } from '../notifier.js';

/** The `email` notifier's own settings (validated at config load). */
export interface EmailSettings {
  readonly smtp: {
    readonly host: string;
    readonly port?: number;
    readonly security?: 'starttls' | 'tls' | 'none';
    readonly user?: string;
    readonly password?: string;
    /** PEM file of a private CA the SMTP server's certificate chains to (district mail relays). */
    readonly caFile?: string;
  };
  readonly from: string;
  readonly to: readonly string[];
}

export function emailSettings(config: NotifierConfig): EmailSettings {
  return config as unknown as EmailSettings;
}

/**
 * Email over SMTP. STARTTLS is required by default (`security: starttls`), so a
 * downgrade by a network attacker fails instead of sending in clear. The SMTP
 * server's address passes the same guard as webhook URLs; it is dialled by IP
 * with the host name kept for certificate checks.
 */
export const emailNotifier: NotifierType = {
  type: 'email',
  async deliver(config, n, meta, timeoutMs) {
    const s = emailSettings(config);
    const security = s.smtp.security ?? 'starttls';
    let address = s.smtp.host;
    if (!isIP(address)) {
      try {
        address = (await lookup(s.smtp.host)).address;
      } catch (err) {
        return { ok: false, detail: `cannot resolve ${s.smtp.host}: ${(err as Error).message}` };
      }
    }
    const verdict = addressAllowed(address, config.allowPrivateNetwork);
    if (!verdict.ok) return { ok: false, permanent: true, detail: `refusing to connect to ${s.smtp.host}: ${verdict.reason}` };
    // Loaded on first use: nodemailer costs the collector ~14 MB of RSS, and most schools notify by webhook or chat.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: address,
      port: s.smtp.port ?? (security === 'tls' ? 465 : 587),
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      tls: { servername: s.smtp.host, minVersion: 'TLSv1.2', ...(s.smtp.caFile ? { ca: readFileSync(s.smtp.caFile, 'utf8') } : {}) },
      ...(s.smtp.user ? { auth: { user: s.smtp.user, pass: s.smtp.password ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      const info = await transport.sendMail({
        from: s.from,
        to: [...s.to],
        subject: headline(n),
        text: `${alertLines(n, 50).join('\n')}\n\n${n.alerts[0]?.url ?? ''}\n`,
        // The same id on every retry lets mail clients and ticket systems de-duplicate.
        messageId: `<${meta.deliveryId}@hallmonitor>`,
        headers: { 'X-Hallmonitor-Group': n.groupKey },
      });
      return { ok: true, status: 250, detail: String(info.response ?? 'sent') };
    } catch (err) {
      const e = err as { responseCode?: number; message: string };
      // 5xx replies are permanent (bad recipient, rejected auth); the rest may heal.
      return { ok: false, ...(e.responseCode ? { status: e.responseCode } : {}), permanent: (e.responseCode ?? 0) >= 500, detail: e.message };
    } finally {
      transport.close();
    }
  },
};
