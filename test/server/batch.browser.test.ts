/**
 * Batch decisions in the inbox, in a real headless Chromium: tick similar tasks, approve them
 * together, reject others with one reason; unlike tasks cannot be decided together.
 */
import { describe, expect, it } from 'vitest';
import { shot, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the inbox: batch decisions', () => {
  it('approves the ticked refunds together, rejects others with one reason, and refuses to mix kinds', async () => {
    const server = await testServer();
    const { heed } = server;
    await heed.start();
    const refund = (title: string, cents: number) =>
      heed.tasks.create({
        type: 'approval',
        title,
        assignees: ['user:ops'],
        requester: 'agent:support',
        action: { tool: 'refund', args: { cents } },
      });
    const a = await refund('Refund $15 for order A-1001?', 1500);
    const b = await refund('Refund $22 for order A-1002?', 2200);
    const c = await refund('Refund $9 for order A-1003?', 900);
    const d = await refund('Refund $480 for order A-1004?', 48_000);
    const review = await heed.tasks.create({
      type: 'review',
      title: 'Review the refund email',
      assignees: ['user:ops'],
    });

    const page = await chromium().newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${server.url}/#/signin`);
    await page.fill('#principal', 'user:ops');
    await page.click('button[type=submit]');
    await page.waitForSelector('#batch-bar');
    expect(await page.isDisabled('#batch-approve')).toBe(true);
    // A refund and a review are not alike: no batch decision.
    await page.check(`input[data-pick="${a.id}"]`);
    await page.check(`input[data-pick="${review.id}"]`);
    expect(await page.textContent('#batch-count')).toContain('pick tasks of one kind');
    expect(await page.isDisabled('#batch-approve')).toBe(true);
    await page.uncheck(`input[data-pick="${review.id}"]`);
    await page.check(`input[data-pick="${b.id}"]`);
    await page.check(`input[data-pick="${c.id}"]`);
    expect(await page.textContent('#batch-count')).toBe('3 selected');
    expect(await page.isEnabled('#batch-approve')).toBe(true);
    await shot(page, 'batch-decision', true);
    await page.click('#batch-approve');
    await page.locator('#batch-result', { hasText: '3 approved' }).waitFor();
    for (const task of [a, b, c]) {
      expect((await heed.tasks.get(task.id))?.result).toMatchObject({
        outcome: 'approve',
        by: 'user:ops',
        via: 'inbox',
      });
    }
    expect(await page.$$eval('input.pick', (boxes) => boxes.length)).toBe(2);

    // Rejecting needs the reason, which every task gets.
    await page.check(`input[data-pick="${d.id}"]`);
    await page.click('#batch-reject');
    expect(await page.textContent('#batch-error')).toContain('Say why');
    expect((await heed.tasks.get(d.id))?.status).toBe('pending');
    await page.fill('#batch-reason', 'Over the refund limit');
    await page.click('#batch-reject');
    await page.locator('#batch-result', { hasText: '1 rejected' }).waitFor();
    expect((await heed.tasks.get(d.id))?.result).toMatchObject({ outcome: 'reject', comment: 'Over the refund limit' });
    expect((await heed.tasks.get(review.id))?.status).toBe('pending');
    await page.close();
  });
});
