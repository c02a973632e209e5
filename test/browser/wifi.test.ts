import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNMPSIM_AVAILABLE, Snmpsim } from '../../agent/test/snmp/snmpsim.js';
import { readFixture } from '../../agent/test/snmp/snmprec.js';
import { AGENT_BIN, REPO_ROOT, apiRequest, startProcess, waitFor, type RunningProcess } from '../support/processes.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { DESKTOP, PHONE, launchChromium } from './support/browser.js';
import { ADMIN, buildUi, startStack, type Stack } from './support/stack.js';

const SHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
type Host = { id: string; name: string; kind: string; status: string };

/*
 * The Wi-Fi page with real access points: a wireless controller simulated by
 * snmpsim, polled by a real agent process, shown in a real browser.
 */
describe.skipIf(!SNMPSIM_AVAILABLE)('Wi-Fi page with real access points', () => {
  let sim: Snmpsim;
  let stack: Stack;
  let agent: RunningProcess;
  let browser: Browser;
  let page: Page;
  const rx = new WebhookReceiver(SECRET);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildUi();
    sim = await Snmpsim.start({ files: { 'wlc-public': readFixture('cisco-wlc') } });
    stack = await startStack({
      webhookUrl: await rx.start(),
      webhookSecret: SECRET,
      extraConfig: [
        'ruleFiles: []',
        `devices:`,
        `  - { name: wlc-main, address: "${sim.address}", profile: cisco-wlc, snmp: { version: 2c, community: wlc-public }, site: north-elementary, building: main, poller: closet-pc }`,
      ],
    });
    expect((await stack.cli(['user', 'create', '--name', ADMIN.name, '--role', 'admin'], `${ADMIN.password}\n`)).code).toBe(0);
    const cfg = await stack.enroll('closet-pc', 'north-elementary', { role: 'poller' });
    agent = startProcess(process.execPath, [AGENT_BIN, 'run', '--config', cfg]);
    browser = await launchChromium();
    // The collector's own CA is not in Chromium's store; the TLS itself is tested elsewhere.
    page = await (await browser.newContext({ viewport: DESKTOP, ignoreHTTPSErrors: true, deviceScaleFactor: 1 })).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await agent?.stop();
    await stack?.stop();
    await sim?.cleanup();
    await rx.stop();
  });

  it('lists every AP with status, clients and channel, and opens an AP page with charts', async () => {
    const { key } = JSON.parse((await stack.cli(['apikey', 'create', '--role', 'viewer', '--json'])).stdout) as { key: string };
    const aps = await waitFor(async () => {
      const hosts = ((await apiRequest(`${stack.url}/api/v1/hosts`, { key, ca: stack.ca })).json as { hosts: Host[] }).hosts;
      const list = hosts.filter((h) => h.kind === 'ap');
      return list.length >= 3 && list.every((h) => h.status !== 'unknown') ? list : undefined;
    }, 60_000, 'APs reported');

    await page.goto(stack.url);
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Password').press('Enter');
    await page.goto(`${stack.url}/#/wifi`);
    await page.locator('section.building table').first().waitFor();
    const text = await page.locator('main').innerText();
    for (const ap of aps) expect(text).toContain(ap.name);
    // Status is words, not only colour.
    expect(text).toMatch(/\bUp\b/);
    expect(text).toMatch(/\bDown\b/);
    await page.screenshot({ path: join(SHOTS, 'wifi-aps-desktop.png') });
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(SHOTS, 'wifi-aps-phone.png') });
    await page.setViewportSize(DESKTOP);

    const up = aps.find((a) => a.status === 'up')!;
    await page.goto(`${stack.url}/#/ap/${up.id}`);
    await page.locator('canvas').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('main').innerText()).toContain(up.name);
    await page.screenshot({ path: join(SHOTS, 'ap-page-desktop.png') });
  }, 120_000);
});
