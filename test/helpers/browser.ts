import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireProgram } from './programs.js';

// Debian's chromium driven by playwright-core (no browser download), for the dashboard's tests.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless chromium, or undefined when it is not installed (the test is skipped, or fails in
 * CI). It is closed when the test ends, whatever happened (closing it again is harmless).
 */
export async function launchBrowser(t: TestContext): Promise<Browser | undefined> {
  if (!requireProgram(t, 'chromium')) return undefined;
  const browser = await launchChromium();
  t.after(() => browser.close());
  return browser;
}

/** Debian's headless chromium (apt-get install chromium), outside a test too. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });

/** The dashboard's row of one target. */
export const targetRow = (pool: string, address: string): string =>
  `tr.target[data-pool="${pool}"][data-target="${address}"]`;

/** Waits until the text of `selector` is `text` (the page updates in place from the event stream). */
export async function waitForText(page: Page, selector: string, text: string, timeout = 20_000): Promise<void> {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  try {
    await page.locator(selector, { hasText: exact }).first().waitFor({ state: 'attached', timeout });
  } catch (e) {
    // Say what the page showed instead: a timeout alone does not tell a slow page from a wrong one.
    const shown = await page
      .locator(selector)
      .allTextContents()
      .catch(() => []);
    throw new Error(`${selector} never showed "${text}" within ${timeout} ms; it showed ${JSON.stringify(shown)}`, {
      cause: e,
    });
  }
}

/** Signs in through the page's form. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#signin:not([hidden]) input[type="password"]', { timeout: 20_000 });
  await page.fill('#token', token);
  await page.click('#signin-form button[type="submit"]');
  await page.waitForSelector('#main:not([hidden])', { timeout: 20_000 });
}
