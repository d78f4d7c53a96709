/** Handing a task to someone else from the inbox, in a real headless Chromium. */
import { describe, expect, it } from 'vitest';
import { signIn, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the inbox: hand a task to someone else', () => {
  it('asks who and why, refuses a blank reason, hands it over, and the history says so', async () => {
    const server = await testServer();
    await server.heed.start();
    const task = await server.heed.tasks.create({
      type: 'approval',
      title: 'Deploy to eu-west?',
      assignees: ['user:ops'],
    });
    const page = await chromium().newPage({ viewport: { width: 1000, height: 900 } });
    await signIn(page, server.url, 'user:ops');
    await page.goto(`${server.url}/#/task/${task.id}`);
    await page.click('#reassign summary');
    await page.fill('#reassign-to', 'user:bob');
    await page.click('#reassign-send');
    expect(await page.textContent('#reassign-error')).toBe('Say why: they will see it.');
    expect((await server.heed.tasks.get(task.id))?.assignees.map((a) => a.principal)).toEqual(['user:ops']);
    await page.fill('#reassign-reason', 'Bob owns eu-west');
    await page.click('#reassign-send');
    await page.waitForSelector('#reassigned');
    expect(await page.textContent('#reassigned')).toContain('Handed to');
    expect((await server.heed.tasks.get(task.id))?.assignees.map((a) => a.principal)).toEqual(['user:bob']);

    // Bob sees it, with the history saying who handed it over and why; Bob may hand it on too.
    await signIn(page, server.url, 'user:bob');
    await page.goto(`${server.url}/#/task/${task.id}`);
    await page.waitForSelector('#task');
    expect(await page.textContent('#task')).toMatch(/Handed to .* by .*: Bob owns eu-west/);
    expect(await page.isVisible('#reassign summary')).toBe(true);
    await page.close();
  });
});
