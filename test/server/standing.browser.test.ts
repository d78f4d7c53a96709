/**
 * Standing approvals in the inbox, in a real headless Chromium: let an approval stand with a
 * bound, see the next payment approved by it, list it, revoke it.
 */
import { describe, expect, it } from 'vitest';
import { shot, signIn, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the inbox: standing approvals', () => {
  it('lets an approval stand within a bound, lists it, and revokes it', async () => {
    const server = await testServer({
      heed: {
        policies: [{ name: 'payments', match: { tool: 'pay' }, approvers: ['user:ops'], standing: { maxDays: 7 } }],
      },
    });
    const { heed } = server;
    await heed.start();
    const pay = (amount: number) =>
      heed.tasks.create({
        type: 'approval',
        title: `Pay ACME $${amount}?`,
        requester: 'user:dev',
        action: { tool: 'pay', args: { to: 'acme', amount } },
      });
    const first = await pay(120);
    await heed.tasks.respond(first.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'inbox' });

    const page = await chromium().newPage({ viewport: { width: 1000, height: 900 } });
    await signIn(page, server.url, 'user:ops');
    await page.goto(`${server.url}/#/task/${first.id}`);
    await page.click('#standing summary');
    expect(await page.textContent('#standing')).toContain('These stay as approved: to = acme');
    await page.fill('#standing-days', '30');
    await page.fill('#standing-max-amount', '200');
    await page.click('#standing-send');
    await page.waitForSelector('#standing-error:not(:empty)');
    expect(await page.textContent('#standing-error')).toContain('from 1 to 7');
    await page.fill('#standing-days', '7');
    await page.click('#standing-send');
    await page.waitForSelector('#standing-granted');
    expect(await page.textContent('#standing-granted')).toContain('pay with amount ≤ 200, to = acme');

    // The next payment within the bound is approved as user:ops, via the standing approval.
    const second = await pay(180);
    expect(second.result).toMatchObject({ outcome: 'approve', by: 'user:ops', via: 'standing' });
    expect((await pay(250)).status).toBe('pending');

    await page.click('a[href="#/standing"]');
    await page.waitForSelector('[data-standing] button[data-revoke]');
    expect(await page.textContent('#standing-list')).toContain('in force');
    await shot(page, 'standing-approval', true);
    await page.click('button[data-revoke]');
    await page.locator('#standing-list .chip', { hasText: 'revoked' }).waitFor();
    expect((await pay(100)).status).toBe('pending');
    const [standing] = await heed.tasks.standing.list({ approver: 'user:ops' });
    expect(standing).toMatchObject({ active: false, revokedBy: 'user:ops' });
    await page.close();
  });
});
