/**
 * The inbox and the chat with API keys, in headless Chromium: a customer and an approver each sign
 * in with their key only; every request carries it; the header names the key's principal (from
 * `GET /v1/me`); the customer cannot approve their own transfer; the approver can; errors show.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { testServer } from './helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
let browser: Browser;

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

/** Signs in with an API key only (no principal typed): the server says who that is. */
async function signInWithKey(url: string, key: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${url}/#/signin`);
  await page.fill('#key', key);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#principal-name');
  return page;
}

describe('the inbox and chat with API keys', () => {
  it('a customer chats and cannot approve their transfer; the approver signs in with their key and approves it', async () => {
    const s = await testServer({
      auth: {
        keys: new Map([
          ['key-alice', 'user:alice'],
          ['key-ops', 'user:ops'],
        ]),
        admins: new Set(),
      },
      startable: { banking: ['*'] },
      demoApprovers: ['user:ops'],
      setup: (heed) => registerDemoWorkflows(heed),
    });

    // A wrong key: the page says so, in the header, instead of showing nothing.
    const stranger = await browser.newPage();
    await stranger.goto(`${s.url}/#/signin`);
    expect(await stranger.textContent('#approver-hint')).toContain('user:ops');
    await stranger.fill('#key', 'not-a-key');
    await stranger.click('#signin button[type=submit]');
    await stranger.waitForSelector('#who-error');
    expect(await stranger.textContent('#who-error')).toContain('Unknown API key');
    await stranger.close();

    const customer = await signInWithKey(s.url, 'key-alice');
    expect(await customer.textContent('#principal-name')).toBe('user:alice');
    await customer.goto(`${s.url}/#/chat`);
    await customer.waitForSelector('#message');
    await customer.fill('#message', 'Transfer $150 to Bob');
    await customer.click('#composer button[type=submit]');
    await customer.waitForSelector('.approval[data-task-state=waiting]');
    const waiting = (await customer.textContent('#transcript')) ?? '';
    expect(waiting).toContain('Asked: Ops');
    // The customer is offered no way to approve their own transfer.
    expect(await customer.locator('[data-approve]').count()).toBe(0);
    await customer.screenshot({ path: join(SHOTS, 'keys-customer-waiting.png'), fullPage: true });

    const [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({ requester: 'user:alice', assignees: [{ principal: 'user:ops', level: 0 }] });
    // On the task page too, the customer is offered no buttons (the server would refuse them), and told why.
    await customer.goto(`${s.url}/#/task/${task?.id}`);
    await customer.waitForSelector('#own-request');
    expect(await customer.textContent('#own-request')).toContain('you may not answer it yourself: Ops decides');
    expect(await customer.locator('button[data-outcome]').count()).toBe(0);
    // And the server refuses an answer all the same.
    const refused = await s.call('POST', `/v1/tasks/${task?.id}/responses`, {
      key: 'key-alice',
      body: { outcome: 'approve' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('may not answer it');

    const approver = await signInWithKey(s.url, 'key-ops');
    expect(await approver.textContent('#principal-name')).toBe('user:ops');
    await approver.waitForSelector('.task');
    await approver.click('.task');
    await approver.waitForSelector('button[data-outcome=approve]');
    await approver.click('button[data-outcome=approve]');
    await approver.waitForSelector('#task[data-status=resolved]');
    await approver.screenshot({ path: join(SHOTS, 'keys-approver-approved.png'), fullPage: true });
    await approver.close();

    // Back in the chat (its latest thread opens), the card says who decided.
    await customer.goto(`${s.url}/#/chat`);
    await customer.waitForSelector('.approval[data-task-state=approved]');
    expect(await customer.textContent('#transcript')).toContain('Approved by Ops');
    await customer.close();
  });
});
