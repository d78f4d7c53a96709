/**
 * The inbox's insights view in a real headless Chromium: a person's own time to decision, what
 * waits and what escalated, and the CSV download with their credentials.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shot, signIn, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the insights view', () => {
  it('shows a person’s own figures by person and channel, and downloads the tasks as CSV', async () => {
    const server = await testServer();
    const { heed, clock } = server;
    await heed.start();
    const asked = async (title: string) =>
      heed.tasks.create({
        type: 'approval',
        title,
        assignees: ['user:ops'],
        escalate: [{ after: '1h', to: ['user:lead'] }],
      });
    const first = await asked('Refund $150 for order A-1001?');
    const second = await asked('Deploy to eu-west?');
    const third = await asked('Transfer $900 to ACME?');
    await asked('Rotate the API keys?');
    await heed.idle();
    await clock.advance('4m');
    await heed.tasks.respond(first.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'slack' });
    await clock.advance('16m');
    await heed.tasks.respond(second.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'inbox' });
    await clock.advance('50m');
    await heed.idle();
    await heed.tasks.respond(third.id, { outcome: 'approve' }, { principal: 'user:lead', via: 'email' });

    const page = await chromium().newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    await signIn(page, server.url, 'user:ops');
    await page.click('a[href="#/insights"]');
    await page.waitForSelector('#stat-median');
    expect(await page.textContent('h2')).toBe('Your decisions');
    // Decided after 4, 20 and 70 minutes; one waits; one was answered after its escalation.
    expect(await page.textContent('#stat-median strong')).toBe('20 min');
    expect(await page.textContent('#stat-p90 strong')).toBe('1 h 10 min');
    expect(await page.textContent('#stat-pending strong')).toBe('1');
    expect(await page.textContent('#stat-escalated strong')).toBe('1');
    const rows = await page.$$eval('#by-channel tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    // Each decided once: ordered by channel.
    expect(rows).toEqual([
      ['Email', '1', '1 h 10 min', '1 h 10 min'],
      ['The inbox', '1', '20 min', '20 min'],
      ['Slack', '1', '4 min', '4 min'],
    ]);
    await shot(page, 'insights', true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-tasks')]);
    expect(download.suggestedFilename()).toBe('heed-tasks-30d.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^task_id,type,title,/);
    expect(csv).toContain('Refund $150 for order A-1001?');

    await page.click('a[href="#/insights/7"]');
    await page.waitForURL(/#\/insights\/7$/);
    await page.waitForSelector('text=7 days');
    await page.close();
  });
});
