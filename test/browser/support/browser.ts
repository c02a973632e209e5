import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.HALLMONITOR_CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1366, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * Debian's Chromium, headless, with nothing that phones home (this machine
 * has no internet: background fetches would only fail). Playwright gives every
 * launch a fresh, empty profile directory of its own.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
