/**
 * What every inbox test in Chromium shares: one headless Chromium per test file (Debian's
 * `chromium`, or `HEED_CHROMIUM`), screenshots kept in test-output/ (and copied to docs/screenshots/
 * when `HEED_UPDATE_SCREENSHOTS=1`, which `npm run screenshots` sets), and signing in.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'test-output', 'screenshots');
/** The screenshots the docs show (committed): refreshed by `npm run screenshots` only. */
const DOCS = join(import.meta.dirname, '..', 'docs', 'screenshots');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** Launches Chromium before the file's tests and closes it after; call at the top of a test file. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running (useChromium() registers it before the tests)');
    return browser;
  };
}

/** A full-page screenshot `name`.png; with `docs`, also the one the docs show (when updating them). */
export async function shot(page: Page, name: string, docs = false): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (docs && process.env.HEED_UPDATE_SCREENSHOTS === '1') copyFileSync(path, join(DOCS, `${name}.png`));
}

/** Signs in to the inbox at `url` as `principal` (development mode) and waits for the inbox. */
export async function signIn(page: Page, url: string, principal: string): Promise<void> {
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', principal);
  await page.click('button[type=submit]');
  await page.waitForSelector('#inbox-title');
}
