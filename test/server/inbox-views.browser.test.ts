import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from './helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
/** The screenshots README.md and docs/inbox.md show (committed): refreshed by `npm run screenshots` only. */
const DOCS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const UPDATE_DOCS = process.env.HEED_UPDATE_SCREENSHOTS === '1';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  if (UPDATE_DOCS) mkdirSync(DOCS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

async function shot(page: Page, name: string, docs = false): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (docs && UPDATE_DOCS) copyFileSync(path, join(DOCS, `${name}.png`));
}

async function signIn(page: Page, url: string, principal: string): Promise<void> {
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', principal);
  await page.click('button[type=submit]');
  await page.waitForSelector('#inbox-title');
}

/** Nothing on the page is wider than the viewport (no sideways scrolling on a phone). */
async function fitsWidth(page: Page): Promise<{ scroll: number; width: number; wide: string[] }> {
  // A string: it runs in the page, where the DOM is (this file is compiled without DOM types).
  return page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).position !== 'absolute')
      .filter((el) => !el.closest('table, pre'))
      .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  })()`);
}

/** Waits until the list shows exactly `n` task cards. */
async function cards(page: Page, list: string, n: number): Promise<void> {
  // A function, not a string: the inbox's CSP (script-src 'self') refuses string evaluation.
  await page.waitForFunction(
    ([selector, count]) =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll(selector).length === count,
    [`${list} .task`, n] as const,
  );
}

/** Internal apps ask the people they name (the operator's policy for these views). */
const APPS = { heed: { policies: [{ name: 'apps', callerAssigns: true }] } };

/**
 * Carol asks Alice three things; Alice asks Bob for a review; one of Alice's was approved on
 * Slack, one expired, one edited before approval. The clock is set to just now.
 */
async function seed(s: TestServer) {
  await s.clock.advance(Date.now() - s.clock.now() - 32 * 60_000);
  const ask = (body: Record<string, unknown>, as = 'user:carol') =>
    s.call('POST', '/v1/tasks', { as, body: { ...body, requester: as } }).then((r) => {
      expect(r.status).toBe(201);
      return r.body as { id: string };
    });
  const transfer = await ask({
    type: 'approval',
    title: 'Transfer $1,200 to ACME Supplies',
    description: 'Invoice **INV-2291**, due Friday.',
    action: { tool: 'transfer', args: { amount: 1200, currency: 'USD', to: 'ACME Supplies' } },
    assignees: ['user:alice'],
    deadline: '8h',
  });
  const edited = await ask({
    type: 'approval',
    title: 'Export 12,000 rows to the partner bucket',
    action: { tool: 'export', args: { rows: 12000, bucket: 's3://partner-share/q1' } },
    allowEdit: true,
    assignees: ['user:alice'],
  });
  const slack = await ask({ type: 'review', title: 'Review the Q1 churn report', assignees: ['user:alice'] });
  await ask({
    type: 'clarification',
    title: 'Which warehouse ships order 5512?',
    assignees: ['user:alice'],
    form: { type: 'object', properties: { answer: { type: 'string', title: 'Answer' } }, required: ['answer'] },
  });
  await ask({ type: 'approval', title: 'Restart the billing worker', assignees: ['user:alice'], deadline: '10m' });
  await ask({
    type: 'manual_action',
    title: 'Rotate the API keys',
    assignees: ['user:alice'],
    deadline: '10m',
    onTimeout: 'expire',
  });
  await ask({ type: 'review', title: 'Review my expense claim', assignees: ['user:bob'] }, 'user:alice');
  await s.heed.idle(); // every task's lifecycle waits on its timers
  await s.clock.advance('30m'); // the billing restart and the key rotation get no answer in time
  await s.heed.idle();
  await s.heed.tasks.respond(slack.id, { outcome: 'approve' }, { principal: 'user:alice', via: 'slack' });
  await s.heed.tasks.respond(
    edited.id,
    { outcome: 'approve', args: { rows: 5000, bucket: 's3://partner-share/q1' }, comment: 'Only the consented rows' },
    { principal: 'user:alice', via: 'inbox' },
  );
  return { transfer, edited };
}

describe('the inbox views in headless Chromium', () => {
  it('refuses an empty sign-in with a message, and serves a favicon', async () => {
    const s = await testServer(APPS);
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${s.url}/#/signin`);
    await page.click('button[type=submit]');
    await page.waitForSelector('#signin-error:not(:empty)');
    expect(await page.textContent('#signin-error')).toContain('Enter your principal');
    expect(await page.evaluate(() => localStorage.getItem('heed.principal'))).toBeNull();
    await shot(page, 'signin-empty-phone');
    await page.fill('#principal', 'alice');
    await page.click('button[type=submit]');
    expect(await page.textContent('#signin-error')).toContain('looks like user:alice');

    expect(await page.getAttribute('link[rel=icon]', 'href')).toBe('/favicon.svg');
    const icon = await fetch(`${s.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toContain('<svg');
    await page.close();
  });

  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`shows waiting, asked and done views with filters and search, in words, at ${size} size`, async () => {
      const s = await testServer(APPS);
      const { transfer } = await seed(s);
      const page = await browser.newPage({ viewport });
      await signIn(page, s.url, 'user:alice');

      // Waiting for me: the two open requests, in words, no ids or enum names.
      await page.waitForSelector('#list-waiting .task');
      const waiting = await page.$$eval('#list-waiting .task', (cards) => cards.map((c) => c.textContent ?? ''));
      expect(waiting).toHaveLength(2);
      expect(waiting.join(' ')).toContain('Transfer $1,200 to ACME Supplies');
      expect(waiting.join(' ')).toContain('waiting for you');
      expect(waiting.join(' ')).toContain('Question');
      expect(waiting.join(' ')).toContain('asked 32 min ago by Carol');
      for (const text of waiting) {
        expect(text).not.toMatch(/pending|clarification|user:|[0-9a-f]{8}-[0-9a-f]{4}/);
      }
      expect(await page.textContent('#waiting-count')).toBe('2');
      expect((await fitsWidth(page)).wide).toEqual([]);
      await shot(page, `inbox-waiting-${size}`, true);

      // Filter by type, then search.
      await page.selectOption('#filter-type', 'clarification');
      await cards(page, '#list-waiting', 1);
      expect(await page.textContent('#list-waiting')).toContain('Which warehouse');
      expect(page.url()).toContain('#/?type=clarification');
      await page.selectOption('#filter-type', '');
      await page.fill('#search', 'warehouse');
      await cards(page, '#list-waiting', 1);
      expect(await page.textContent('#list-waiting')).toContain('Which warehouse ships order 5512?');
      await page.fill('#search', 'no such thing');
      await page.waitForSelector('#list-waiting #empty');
      expect(await page.textContent('#empty')).toContain('Nothing matches');

      // Asked by me.
      await page.click('#tab-asked');
      await page.waitForSelector('#list-asked .task');
      expect(await page.textContent('#list-asked')).toContain('Review my expense claim');
      expect(await page.textContent('#list-asked')).toContain('waiting for Bob');

      // Done: approved on Slack, edited and approved here, expired; a state filter.
      await page.click('#tab-done');
      await page.waitForSelector('#list-done .task');
      const done = await page.textContent('#list-done');
      expect(done).toContain('approved by you via Slack, 2 min ago');
      expect(done).toContain('approved by you via the inbox, 2 min ago');
      expect(done).toContain('no answer in time, 22 min ago: rejected automatically');
      expect(done).toContain('no answer in time, 22 min ago');
      expect((await fitsWidth(page)).wide).toEqual([]);
      await shot(page, `inbox-done-${size}`, true);
      await page.selectOption('#filter-status', 'expired');
      await cards(page, '#list-done', 1);
      expect(await page.textContent('#list-done')).toContain('Rotate the API keys');

      // The task page shows the arguments once.
      await page.goto(`${s.url}/#/task/${transfer.id}`);
      await page.waitForSelector('#answer');
      const body = (await page.textContent('#task')) ?? '';
      expect(body.split('ACME Supplies').length - 1).toBe(2); // the title and the argument, once
      expect(body).toContain('waiting for you');
      expect(body).toContain('Asked by Carol');
      expect(await page.textContent('#action')).toContain('1200');
      expect((await fitsWidth(page)).wide).toEqual([]);
      await shot(page, `task-pending-${size}`, true);
      await page.close();
    });
  }

  it('shows an edited approval as a was/now diff and a long history that fit a phone', async () => {
    const s = await testServer(APPS);
    const { edited } = await seed(s);
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, s.url, 'user:alice');
    await page.goto(`${s.url}/#/task/${edited.id}`);
    await page.waitForSelector('#diff');
    const diff = (await page.textContent('#diff')) ?? '';
    expect(diff).toContain('12000');
    expect(diff).toContain('5000');
    expect(await page.$('#action')).toBeNull(); // the arguments are shown once: as the diff
    expect(await page.textContent('#result')).toContain('Approved by you via the inbox');
    expect(await page.textContent('#result')).toContain('Only the consented rows');
    const history = await page.$$eval('#history li', (items) => items.map((li) => li.textContent ?? ''));
    expect(history[0]).toContain('Asked by Carol, for you');
    expect(history.join(' ')).toContain('You approved via the inbox');
    const fit = await fitsWidth(page);
    expect(fit.wide).toEqual([]);
    expect(fit.scroll).toBeLessThanOrEqual(fit.width);
    const card = await page.$eval('#task', (el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(card.scroll).toBeLessThanOrEqual(card.client);
    await shot(page, 'task-edited-phone', true);
    await page.close();
  });

  it('shows a staged approval’s stage, who approved the earlier one, and its policy', async () => {
    const s = await testServer({
      heed: {
        policies: [
          {
            name: 'big-transfers',
            stages: [
              { name: 'team lead', approvers: ['user:alice'] },
              { name: 'finance', approvers: ['user:bob'] },
            ],
          },
        ],
      },
    });
    const task = await s.heed.tasks.create({
      type: 'approval',
      title: 'Wire $12,000 to ACME',
      requester: 'user:carol',
    });
    await s.heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice', via: 'inbox' });
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, s.url, 'user:bob');
    await page.goto(`${s.url}/#/task/${task.id}`);
    await page.waitForSelector('#stage-line');
    expect(await page.textContent('#stage-line')).toBe(
      'Stage 2 of 2 (finance) · stage 1 (team lead) approved by Alice',
    );
    expect(await page.textContent('#policy-line')).toContain('Approval policy “big-transfers”');
    const history = await page.$$eval('#history li', (items) => items.map((li) => li.textContent ?? ''));
    expect(history.join(' ')).toContain('Stage 1 (team lead) approved by Alice; now stage 2 (finance), for you');
    await shot(page, 'task-staged-phone');
    await page.close();
  });

  it('keeps a one-click link page off the screen edges on a phone', async () => {
    const s = await testServer(APPS);
    const created = await s.call('POST', '/v1/tasks', {
      as: 'user:carol',
      body: { type: 'approval', title: 'Wire $900 to the landlord', assignees: ['email:bob@example.com'] },
    });
    const link = await s.call('POST', `/v1/tasks/${created.body.id}/links`, {
      body: { principal: 'email:bob@example.com', outcome: 'approve' },
    });
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(link.body.url as string);
    const box = (await page.evaluate(`(() => {
      const r = document.querySelector('main').getBoundingClientRect();
      return { left: r.left, right: document.documentElement.clientWidth - r.right };
    })()`)) as { left: number; right: number };
    expect(box.left).toBeGreaterThanOrEqual(8);
    expect(box.right).toBeGreaterThanOrEqual(8);
    await shot(page, 'link-page-phone');
    await page.close();
  });
});
