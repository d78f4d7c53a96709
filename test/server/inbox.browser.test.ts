import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from './helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
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

async function signIn(page: Page, url: string, principal: string): Promise<void> {
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', principal);
  await page.click('button[type=submit]');
  await page.waitForSelector('#inbox-title');
}

describe('the web inbox in headless Chromium', () => {
  it('shows a task appear live, validates a form inline, approves, and shows the run finish', async () => {
    const s = await testServer({
      setup: (heed) => {
        heed.workflow('export', async (ctx) => {
          const form = await ctx.ask({
            type: 'form',
            title: 'Justify the export of customers_q1',
            description: 'The dataset has **personal data**. <script>alert(1)</script>',
            assignees: ['user:alice'],
            form: {
              type: 'object',
              properties: {
                purpose: { type: 'string', minLength: 10, title: 'Purpose' },
                retentionDays: { type: 'integer', minimum: 1, maximum: 90, title: 'Retention (days)' },
              },
              required: ['purpose', 'retentionDays'],
              additionalProperties: false,
            },
          });
          const approval = await ctx.ask({
            type: 'approval',
            title: 'Export 12,000 rows to the partner bucket?',
            action: { tool: 'export', args: { rows: 12000, bucket: 's3://partner' } },
            allowEdit: true,
            assignees: ['user:alice'],
            deadline: '8h',
          });
          return { form: form.data, approved: approval.outcome, args: approval.args };
        });
      },
    });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, s.url, 'user:alice');
    await page.waitForSelector('#empty');

    // A task appears without reloading the page.
    await s.call('POST', '/v1/runs', { body: { workflow: 'export', id: 'export-1' } });
    await page.waitForSelector('.task');
    expect(await page.textContent('.task')).toContain('Justify the export of customers_q1');
    await page.screenshot({ path: join(SHOTS, 'inbox-phone.png'), fullPage: true });

    await page.click('.task');
    await page.waitForSelector('#answer');
    expect(await page.innerHTML('.md')).toContain('<strong>personal data</strong>');
    expect(await page.innerHTML('.md')).not.toContain('<script>');

    // Wrong, then right.
    await page.fill('[data-field=purpose]', 'short');
    await page.fill('[data-field=retentionDays]', '365');
    await page.click('button[data-outcome=submit]');
    await page.waitForSelector('[data-error-for="retentionDays"]:not(:empty)');
    expect(await page.textContent('[data-error-for="purpose"]')).toContain('fewer than 10 characters');
    expect(await page.textContent('[data-error-for="retentionDays"]')).toContain('must be <= 90');
    await page.screenshot({ path: join(SHOTS, 'form-errors.png'), fullPage: true });
    await page.fill('[data-field=purpose]', 'Quarterly churn analysis with the partner');
    await page.fill('[data-field=retentionDays]', '30');
    await page.click('button[data-outcome=submit]');
    await page.waitForSelector('#task[data-status=resolved]');

    // The run asks again: approve with edited arguments.
    await page.goto(`${s.url}/#/`);
    await page.waitForSelector('.task >> text=Export 12,000 rows');
    await page.click('.task');
    await page.waitForSelector('#args');
    await page.fill('#args', JSON.stringify({ rows: 5000, bucket: 's3://partner' }));
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('#run-badge.succeeded');
    expect(await page.textContent('#result')).toContain('Approved by you via the inbox');
    expect(await page.textContent('#diff')).toContain('rows');
    await page.screenshot({ path: join(SHOTS, 'approved.png'), fullPage: true });

    expect(await s.heed.handle('export-1').result()).toEqual({
      form: { purpose: 'Quarterly churn analysis with the partner', retentionDays: 30 },
      approved: 'approve',
      args: { rows: 5000, bucket: 's3://partner' },
    });
    await page.close();
  });
});
