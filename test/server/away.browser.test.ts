/**
 * Away and delegates in the inbox, in a real headless Chromium: the banner's form sets Alice away
 * with Bob as delegate, her waiting task moves to Bob, whose list says "for Alice (away until …)";
 * "I'm back" clears it. Screenshots: away-banner.png (Alice's banner), away-delegate.png (Bob's list).
 */
import { describe, expect, it } from 'vitest';
import { shot, signIn, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the inbox: away and delegates', () => {
  it('sets Alice away from the banner, her task moves to Bob marked for her, and she comes back', async () => {
    const server = await testServer();
    const { heed, clock } = server;
    await heed.start();
    const moving = await heed.tasks.create({
      type: 'approval',
      title: 'Refund $420 to order B-2211?',
      assignees: ['user:alice'],
      requester: 'user:support',
    });
    // Bob asked for this one: he may not decide it (four-eyes), so it stays with Alice.
    await heed.tasks.create({
      type: 'approval',
      title: 'Raise the Q1 travel budget?',
      assignees: ['user:alice'],
      requester: 'user:bob',
    });
    const until = new Date(clock.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const page = await chromium().newPage({ viewport: { width: 1000, height: 700 } });
    await signIn(page, server.url, 'user:alice');
    await page.click('#away-set summary');
    await page.fill('#away-until', until);
    await page.click('#away-send');
    expect(await page.textContent('#away-error')).toBe('Name who answers meanwhile, for example user:bob.');
    await page.fill('#away-delegate', 'user:alice');
    await page.click('#away-send');
    // The server's refusal: it arrives after the request's round trip.
    await page.locator('#away-error', { hasText: 'someone else' }).waitFor();
    expect(await page.textContent('#away-error')).toBe('The delegate must be someone else');
    await page.fill('#away-delegate', 'user:bob');
    await page.click('#away-send');
    await page.waitForSelector('#away-banner');
    const banner = await page.textContent('#away-text');
    expect(banner).toMatch(
      /^You are away until \w+day, \w+ \d+\. Your tasks go to Bob\. 1 waiting task moved to them\.$/,
    );
    expect((await heed.tasks.away.get('user:alice')).away).toMatchObject({ delegate: 'user:bob', setBy: 'user:alice' });
    expect((await heed.tasks.get(moving.id))?.assignees.map((a) => a.principal)).toEqual(['user:bob']);
    await page.reload();
    await page.waitForSelector('#away-banner');
    await page.waitForSelector('.card.task');
    await shot(page, 'away-banner', true);

    // Bob's list: the task is for Alice, away until that day.
    const bob = await chromium().newPage({ viewport: { width: 1000, height: 560 } });
    await signIn(bob, server.url, 'user:bob');
    await bob.waitForSelector(`[data-task="${moving.id}"] .stands-for`);
    expect(await bob.textContent(`[data-task="${moving.id}"] .stands-for`)).toMatch(
      /^for Alice \(away until \w+day, \w+ \d+\)$/,
    );
    await shot(bob, 'away-delegate', true);
    await bob.goto(`${server.url}/#/task/${moving.id}`);
    await bob.waitForSelector('#stands-for');
    expect(await bob.textContent('#stands-for')).toContain('for Alice (away until');
    expect(await bob.textContent('#task')).toMatch(/Alice is away until \w+day, \w+ \d+: asked of you instead/);
    await bob.close();

    // Back.
    await page.click('#away-off');
    await page.waitForSelector('#away-set');
    expect((await heed.tasks.away.get('user:alice')).away).toBeNull();
    await page.close();
  });
});
