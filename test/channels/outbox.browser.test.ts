import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, must } from './harness.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
const DOCS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const PHONE = { width: 390, height: 844 };

/** Saves a screenshot to test-output/; with HEED_UPDATE_SCREENSHOTS=1 also to docs/screenshots/ (those docs/channels.md shows). */
async function shot(page: Page, name: string, fullPage: boolean): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  if (process.env.HEED_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(path, join(DOCS, `${name}.png`));
  }
}
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

const SPEC = {
  type: 'approval' as const,
  title: 'Export customers_q1 to the analytics bucket?',
  description: 'The data-export agent wants to copy a table that contains personal data.',
  action: { tool: 'export_table', args: { table: 'customers_q1', destination: 's3://analytics/exports', rows: 48210 } },
  payload: { piiDetected: true, columns: ['email', 'name', 'country'] },
  assignees: ['user:alice', 'user:bob'],
  deadline: '8h',
};

describe('channels in headless Chromium at phone size', () => {
  it('shows the email as received over SMTP: readable on a phone, one button per outcome, nothing remote', async () => {
    const h = await harness({ slack: false });
    const smtp = must(h.smtp);
    await h.heed.tasks.create(SPEC);
    await h.until('the mails', () => smtp.mails.length === 2);
    const mail = must(smtp.to('alice@example.com')[0]);
    const page = await browser.newPage({ viewport: PHONE });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(String(mail.html));
    // Fits the phone's width: nothing scrolls sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    const buttons = await page.$$eval('a[href*="/t/"]', (links) => links.map((a) => a.textContent));
    expect(buttons).toEqual(['Approve', 'Reject …']);
    expect(await page.textContent('body')).toContain('export_table');
    expect(await page.textContent('body')).toContain('Also asked');
    expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
    await shot(page, 'channels-email-phone', true);
    await page.close();
  });

  it('shows the offline outbox at /outbox: the email and the Slack message as Alice gets them; its buttons decide through the signed links, and the Slack copy closes', async () => {
    const h = await harness({ email: false, slack: false });
    const task = await h.heed.tasks.create(SPEC);
    await h.until('the outbox', async () => (await h.heed.deliveries.listOutbox(10)).length === 4);
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${h.server.url}/outbox`);
    expect(await page.locator('article[data-kind=email]').count()).toBe(2);
    expect(await page.locator('article[data-kind=slack]').count()).toBe(2);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    const aliceSlack = page.locator('article[data-kind=slack]', { hasText: 'DM U0ALICE' });
    expect(await aliceSlack.locator('.sk-header').textContent()).toBe(SPEC.title);
    await shot(page, 'channels-outbox-phone', false);

    // The Slack message's Approve button: the confirmation page (GET changes nothing), then confirm (POST).
    await aliceSlack.locator('a.sk-button', { hasText: 'Approve' }).click();
    await page.waitForSelector('form button[type=submit]');
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    await page.click('form button[type=submit]');
    await page.waitForSelector('text=Thank you');
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:alice',
      via: 'link',
    });

    // Every Slack copy in the outbox is closed: the outcome, who and how; no buttons.
    await h.until('the outbox copies closed', async () =>
      (await h.heed.deliveries.listOutbox(10))
        .filter((m) => m.channel === 'slack')
        .every((m) => m.message.includes('"closed"')),
    );
    await page.goto(`${h.server.url}/outbox`);
    const closed = page.locator('article[data-kind=slack][data-closed=true]');
    expect(await closed.count()).toBe(2);
    expect(await closed.first().textContent()).toContain('Approved by Alice Doe via an email link');
    expect(await closed.first().locator('a.sk-button').count()).toBe(0);
    await shot(page, 'channels-outbox-closed-phone', true);
    await page.close();
  });

  it('the inbox names people as the directory does, says a notice was kept in the outbox, keeps short choices readable, and shows a rejection in red', async () => {
    const h = await harness({ email: false, slack: false });
    const region = await h.heed.tasks.create({
      type: 'clarification',
      title: 'Which region for the new build?',
      description: 'A **new** region: _eu-west-1_ or us-east-1.',
      outcomes: ['eu', 'us'],
      requester: 'user:carol',
      assignees: ['user:alice'],
    });
    const refund = await h.heed.tasks.create({
      type: 'approval',
      title: 'Refund order #99?',
      requester: 'user:carol',
      assignees: ['user:alice'],
    });
    await h.heed.tasks.respond(
      refund.id,
      { outcome: 'reject', comment: 'Not this one' },
      { principal: 'user:alice', via: 'inbox' },
    );
    await h.until('the notices', async () =>
      (await h.heed.tasks.audit(region.id)).some((e) => e.action === 'notified' && e.via === 'email'),
    );
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${h.server.url}/#/signin`);
    await page.fill('#principal', 'user:alice');
    await page.click('button[type=submit]');
    await page.waitForSelector('.task');
    // The requester by the directory's name, as email and Slack say it.
    expect(await page.textContent(`.task[data-task="${region.id}"]`)).toContain('by Carol Poe');
    await page.click(`.task[data-task="${region.id}"]`);
    await page.waitForSelector('#answer');
    expect(await page.textContent('#asked-line')).toContain('Asked by Carol Poe');
    expect(await page.innerHTML('.md')).toContain('<strong>new</strong>');
    expect(await page.$$eval('#answer button[data-outcome]', (b) => b.map((x) => x.textContent))).toEqual(['EU', 'US']);
    const history = await page.textContent('#history');
    expect(history).toContain('Kept in the outbox for you (email is not configured)');
    expect(history).toContain('Kept in the outbox for you (Slack is not configured)');
    expect(history).not.toContain('Sent to you via email');
    await shot(page, 'inbox-outbox-history-phone', true);

    // A rejection is red in the list and on its page, never green like an approval.
    await page.goto(`${h.server.url}/#/done`);
    const line = page.locator(`.task[data-task="${refund.id}"] .standing`);
    await line.waitFor();
    expect(await line.textContent()).toContain('rejected by you via the inbox');
    expect(await line.evaluate((el) => el.classList.contains('negative'))).toBe(true);
    expect(await line.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color)).toBe(
      'rgb(180, 35, 24)',
    );
    await page.goto(`${h.server.url}/#/task/${refund.id}`);
    await page.waitForSelector('#result');
    expect(await page.getAttribute('#result', 'class')).toBe('decision bad');
    await page.close();
  });

  it('with API keys, /outbox shows the notices to admins only, with the key given at the inbox sign-in', async () => {
    const keys = new Map([
      ['k-admin', 'user:admin'],
      ['k-alice', 'user:alice'],
    ]);
    const h = await harness({ email: false, slack: false, auth: { keys, admins: new Set(['user:admin']) } });
    await h.heed.tasks.create(SPEC);
    await h.until('the outbox', async () => (await h.heed.deliveries.listOutbox(10)).length === 4);
    // Over HTTP: no key 401, a key that is not an admin's 403, an admin's 200.
    const notices = (key?: string) =>
      fetch(`${h.server.url}/v1/outbox`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    expect((await notices()).status).toBe(401);
    expect((await notices('k-alice')).status).toBe(403);
    const admin = await notices('k-admin');
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { html: string }).html).toContain('data-kind="email"');

    const page = await browser.newPage({ viewport: PHONE });
    const signIn = async (key: string) => {
      await page.goto(`${h.server.url}/#/signin`);
      await page.fill('#key', key);
      await page.click('button[type=submit]');
      await page.waitForSelector('#inbox-title');
    };
    // Not signed in: the page holds no notice and says how to get in.
    await page.goto(`${h.server.url}/outbox`);
    await page.waitForSelector('#outbox-status:not(:has-text("Loading"))');
    expect(await page.textContent('#outbox-status')).toContain('only to admins');
    expect(await page.locator('article').count()).toBe(0);
    // Alice's key: not an admin.
    await signIn('k-alice');
    await page.goto(`${h.server.url}/outbox`);
    await page.waitForSelector('#outbox-status:not(:has-text("Loading"))');
    expect(await page.textContent('#outbox-status')).toContain('Only admins may see the outbox');
    expect(await page.locator('article').count()).toBe(0);
    // An admin's key: every notice.
    await signIn('k-admin');
    await page.goto(`${h.server.url}/outbox`);
    await page.waitForSelector('article[data-kind=slack]');
    expect(await page.locator('article[data-kind=email]').count()).toBe(2);
    expect(await page.locator('article[data-kind=slack]').count()).toBe(2);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await page.close();
  });
});
