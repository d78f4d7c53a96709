import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { testServer } from './helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

async function openChat(url: string, principal: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', principal);
  await page.click('button[type=submit]');
  await page.goto(`${url}/#/chat`);
  await page.waitForSelector('#transcript .suggestions');
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message', text);
  await page.click('#composer button[type=submit]');
}

/** What a person reads in the transcript: no tool identifiers, enum names or ids. */
async function expectHumanWords(page: Page): Promise<string> {
  const text = (await page.textContent('#transcript')) ?? '';
  expect(text).not.toMatch(/check_balance|pending_approval|approval-requested|output-available|tool-transfer/);
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/);
  expect(text).not.toMatch(/\.\./);
  return text;
}

describe('the chat page in headless Chromium (AI SDK UI message stream)', { timeout: 90_000 }, () => {
  it('desktop: a conversation with streamed replies; a transfer waits for someone else, whose decision in the inbox updates the card in place; a reload restores it', async () => {
    const s = await testServer({ setup: (heed) => registerDemoWorkflows(heed) });
    const page = await openChat(s.url, 'user:carol', DESKTOP);
    await page.click('[data-suggest="What\'s my balance?"]');
    await page.waitForSelector('.msg.assistant .bubble:not(.streaming):has-text("Your balance is $1000.")');
    await say(page, 'Transfer $150 to Bob');
    await page.waitForSelector('.approval[data-task-state=waiting]');
    const waiting = await expectHumanWords(page);
    expect(waiting).toContain('Transfer money');
    expect(waiting).toContain('Transfer $150 to Bob?');
    // The demo's transfers go to its approvers, user:ops and user:alice (issues 8, 19), never to the customer.
    expect(waiting).toMatch(/Asked: (Ops or Alice|Alice or Ops) · requested by you/);
    // Carol asked: she is offered no buttons to approve her own transfer.
    expect(await page.locator('[data-approve]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'chat-waiting-desktop.png'), fullPage: true });

    // Ops approves in the inbox; Carol's card changes where it is.
    const [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
    const answered = await s.call('POST', `/v1/tasks/${task?.id}/responses`, {
      as: 'user:ops',
      headers: { 'x-heed-via': 'inbox' },
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    await page.waitForSelector('.approval[data-task-state=approved]');
    await page.waitForSelector('.bubble:has-text("Transferred $150 to Bob. Your balance is $850.")');
    const approved = await expectHumanWords(page);
    expect(approved).toContain('Approved by Ops in the inbox');
    expect(await page.locator('.tool-card[data-tool-state=output-available]').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'chat-approved-desktop.png'), fullPage: true });

    // A reload restores the conversation, the thread is listed, a new chat starts empty.
    await page.reload();
    await page.waitForSelector('.approval[data-task-state=approved]');
    expect(await page.locator('.msg').count()).toBe(4);
    expect(await page.textContent('#thread-list')).toContain("What's my balance?");
    await page.click('#new-chat');
    await page.waitForSelector('#transcript .suggestions');
    expect(await page.locator('.msg').count()).toBe(0);
    await page.close();
  });

  it('phone: approve in the chat where the chat user may, and a rejection from elsewhere with its reason', async () => {
    const s = await testServer({
      setup: (heed) => void registerBanking(heed, new OfflineModel(), { approvals: { requester: 'agent:bank' } }),
    });
    const page = await openChat(s.url, 'user:dave', PHONE);
    await say(page, 'Transfer $150 to Bob');
    await page.waitForSelector('[data-approve]');
    expect(await page.textContent('#transcript')).toContain('Anyone may approve it.');
    await page.click('[data-approve]');
    await page.waitForSelector('.approval[data-task-state=approved]');
    await page.waitForSelector('.bubble:has-text("Transferred $150 to Bob.")');
    expect(await expectHumanWords(page)).toContain('Approved by you in the chat');

    await say(page, 'Transfer $200 to Erin');
    await page.waitForSelector('.approval[data-task-state=waiting] [data-reject]');
    const task = (await s.heed.tasks.list({ status: 'pending' })).items[0];
    await s.call('POST', `/v1/tasks/${task?.id}/responses`, {
      as: 'user:alice',
      headers: { 'x-heed-via': 'inbox' },
      body: { outcome: 'reject', comment: 'Not today.' },
    });
    await page.waitForSelector('.approval[data-task-state=rejected]');
    await page.waitForSelector('.bubble:has-text("Alice rejected")');
    const text = await expectHumanWords(page);
    expect(text).toContain('Alice rejected "Transfer $200 to Erin": Not today.');
    expect(text).toContain('Rejected by Alice in the inbox');
    expect(text).toContain('Not done');
    // Nothing overflows the phone's width.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SHOTS, 'chat-phone.png'), fullPage: true });
    await page.close();
  });

  it('try again: a new reply to the latest message in place of the shown one, kept on reload; none while a decision is awaited', async () => {
    const s = await testServer({ setup: (heed) => registerDemoWorkflows(heed) });
    const page = await openChat(s.url, 'user:carol', PHONE);
    await say(page, "What's my balance?");
    await page.waitForSelector('.msg.assistant .regenerate');
    const first = await page.getAttribute('.msg.assistant', 'data-message-id');
    expect(await page.textContent('.msg.assistant')).toContain('Your balance is $1000.');
    await page.click('.regenerate');
    await page.waitForSelector(`.msg.assistant:not([data-message-id="${first}"]) .regenerate`);
    expect(await page.locator('.msg.user').count()).toBe(1);
    expect(await page.locator('.msg.assistant').count()).toBe(1);
    expect(await page.textContent('.msg.assistant')).toContain('Your balance is $1000.');
    const second = await page.getAttribute('.msg.assistant', 'data-message-id');
    // The agent answered the message twice; the thread keeps the second reply only.
    expect((await s.heed.runs.list({ workflow: 'banking' })).items).toHaveLength(2);
    await page.reload();
    await page.waitForSelector('.msg.assistant .regenerate');
    expect(await page.locator('.msg.assistant').count()).toBe(1);
    expect(await page.getAttribute('.msg.assistant', 'data-message-id')).toBe(second);
    // A reply waiting for someone's decision cannot be redone.
    await say(page, 'Transfer $500 to Bob');
    await page.waitForSelector('.msg.assistant >> nth=1');
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
          }
        ).document
          .querySelector('#transcript')
          ?.getAttribute('aria-busy') === 'false',
    );
    expect(await page.locator('.msg.assistant').count()).toBe(2);
    expect(await page.locator('.regenerate').count()).toBe(0);
    await expectHumanWords(page);
    await page.close();
  });
});
