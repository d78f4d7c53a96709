/** The task page says when a task's reminders and escalations count working hours, in a real headless Chromium. */
import { describe, expect, it } from 'vitest';
import { workingHoursOfPeople } from '../../src/human/working-hours.ts';
import { signIn, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

describe('the inbox: working hours', () => {
  it('says on the task page that reminders and escalations count working hours, only where they do', async () => {
    const week = { days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const] };
    const server = await testServer({
      heed: {
        policies: [
          {
            name: 'office',
            match: { type: 'approval' },
            approvers: ['user:alice'],
            remind: { after: '2h' },
            businessHours: true,
          },
          { name: 'anytime', match: { type: 'review' }, approvers: ['user:alice'], remind: { after: '2h' } },
        ],
        workingHours: workingHoursOfPeople({
          'user:alice': { timeZone: 'Europe/Paris', workingHours: { ...week, start: '09:00', end: '17:00' } },
        }),
      },
    });
    await server.heed.start();
    const office = await server.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    const anytime = await server.heed.tasks.create({ type: 'review', title: 'Review the supplier contract' });
    const page = await chromium().newPage({ viewport: { width: 1000, height: 900 } });
    await signIn(page, server.url, 'user:alice');
    await page.goto(`${server.url}/#/task/${office.id}`);
    await page.waitForSelector('#policy-line');
    expect(await page.textContent('#policy-line')).toBe(
      `Approval policy “office” (version ${office.policy?.version}) · reminders and escalations count working hours`,
    );
    await page.goto(`${server.url}/#/task/${anytime.id}`);
    await page.waitForSelector('#policy-line:has-text("anytime")');
    expect(await page.textContent('#policy-line')).not.toContain('working hours');
    await page.close();
  });
});
