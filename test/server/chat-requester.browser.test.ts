/**
 * The demo as a newcomer meets it (issue 19): signed in as `user:ops`, as the sign-in page
 * suggests, the chat's suggested transfer is asked of someone else (ops may not approve their own
 * request), the card says who and until when and offers no buttons that cannot work, and when the
 * other person answers (in the inbox, editing the amount in the form) the chat resumes. In
 * headless Chromium against a real server.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { policiesOf } from '../../src/cli/config-file.ts';
import { DEFAULT_DEMO_APPROVERS } from '../../src/demo/approvers.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { DESKTOP, PHONE, shot, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

/** Signs in by clicking one of the principals the sign-in page suggests. */
async function signInAsSuggested(page: Page, url: string, principal: string): Promise<void> {
  await page.goto(`${url}/#/signin`);
  await page.click(`#principal-choices [data-principal="${principal}"]`);
  expect(await page.inputValue('#principal')).toBe(principal);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#inbox-title');
}

describe('the demo chat as user:ops, the approver who asks (headless Chromium)', { timeout: 90_000 }, () => {
  it('asks someone else, shows no buttons that cannot work, and resumes when Alice approves an edited amount', async () => {
    const s = await testServer({
      demoApprovers: [...DEFAULT_DEMO_APPROVERS],
      heed: policiesOf({}), // as `npm start`: the default policy names the demo approvers
      setup: (heed) => registerDemoWorkflows(heed),
    });
    // The virtual clock at the browser's now, so that "due in 1 h" reads as it will.
    await s.clock.advance(Date.now() - s.clock.now());

    // The sign-in page says who approves and that nobody approves their own request.
    const ops = await chromium().newPage({ viewport: DESKTOP });
    await ops.goto(`${s.url}/#/signin`);
    const hint = (await ops.textContent('#approver-hint')) ?? '';
    expect(hint).toContain('user:ops and user:alice');
    expect(hint).toContain('other than whoever asked');
    await shot(ops, 'signin-demo-desktop');
    await signInAsSuggested(ops, s.url, 'user:ops');

    await ops.goto(`${s.url}/#/chat`);
    await ops.waitForSelector('#transcript .suggestions');
    await ops.click('[data-suggest="Transfer $150 to Bob"]');
    await ops.waitForSelector('.approval[data-task-state=waiting]');
    await ops.waitForSelector('#composer button:not([disabled])');
    const card = (await ops.textContent('.approval')) ?? '';
    expect(card).toMatch(/Asked: Alice · requested by you · due in (60 min|1 h), then rejected automatically/);
    expect(card).toContain('You asked, so you may not approve it yourself.');
    // No approve or reject button: the server would refuse both (four-eyes).
    expect(await ops.locator('.approval button').count()).toBe(0);

    // The task went to Alice alone, with a deadline that rejects (fail closed).
    const [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({
      requester: 'user:ops',
      assignees: [{ principal: 'user:alice', level: 0 }],
      onTimeout: { status: 'resolved', outcome: 'reject' },
    });
    expect(task?.deadline).toBe(task ? task.createdAt + 3_600_000 : 0);
    await shot(ops, 'chat-requester-desktop', true);

    // Ops also asks over HTTP: the default policy asks both approvers, so Alice decides.
    const deploy = await s.call('POST', '/v1/tasks', {
      as: 'user:ops',
      body: { type: 'approval', title: 'Deploy 2.0 to production?' },
    });
    expect(deploy.status).toBe(201);

    // In ops's inbox, neither request waits for ops: they are under "Asked by me", waiting for Alice.
    const opsTask = await chromium().newPage({ viewport: PHONE });
    await signInAsSuggested(opsTask, s.url, 'user:ops');
    await opsTask.waitForSelector('#list-waiting #empty');
    await opsTask.click('#tab-asked');
    await opsTask.waitForSelector('#list-asked .task');
    const asked = await opsTask.$$eval('#list-asked .task', (cards) => cards.map((c) => c.textContent ?? ''));
    expect(asked).toHaveLength(2);
    for (const text of asked) expect(text).toContain('waiting for Alice');
    // Ops opening the task pages gets no buttons either, but who decides.
    await opsTask.goto(`${s.url}/#/task/${deploy.body.id}`);
    await opsTask.waitForSelector('#own-request');
    expect(await opsTask.textContent('#status')).toBe('waiting for Alice');
    expect(await opsTask.locator('#task button').count()).toBe(0);
    await opsTask.goto(`${s.url}/#/task/${task?.id}`);
    await opsTask.waitForSelector('#own-request');
    expect(await opsTask.textContent('#own-request')).toBe(
      'You asked for this, so you may not answer it yourself: Alice decides.',
    );
    expect(await opsTask.locator('#task button').count()).toBe(0);
    await opsTask.close();

    // Alice, the other approver, finds it in her inbox and approves $120 instead, in the form.
    const alice = await chromium().newPage({ viewport: PHONE });
    await signInAsSuggested(alice, s.url, 'user:alice');
    await alice.waitForSelector('#list-waiting .task');
    await alice.click('#list-waiting .task:has-text("Transfer $150 to Bob?")');
    await alice.waitForSelector('#args-form');
    expect(await alice.inputValue('#arg-amount')).toBe('150');
    await alice.fill('#arg-amount', '120');
    await alice.click('button[data-outcome=approve]');
    await alice.waitForSelector('#task[data-status=resolved]');
    expect(await alice.textContent('#diff')).toContain('120');
    await alice.close();

    // Ops's chat resumes: the card says who decided, the agent transferred what Alice approved.
    await ops.waitForSelector('.approval[data-task-state=approved]');
    await ops.waitForSelector('.bubble:has-text("Transferred $120 to Bob.")');
    const after = (await ops.textContent('#transcript')) ?? '';
    expect(after).toContain('Approved by Alice in the inbox');
    expect(after).toContain('Alice changed amount from 150 to 120 before approving.');
    await shot(ops, 'chat-requester-approved-desktop');
    await ops.close();
  });

  it('as a member of the approving group: told the others decide, with no buttons', async () => {
    const s = await testServer({
      groupsOf: (p) => (p === 'user:ops' || p === 'user:alice' ? ['group:bank'] : []),
      setup: (heed) =>
        void registerBanking(heed, new OfflineModel(), { approvals: { assignees: ['group:bank'], deadline: '1h' } }),
    });
    await s.clock.advance(Date.now() - s.clock.now());
    const ops = await chromium().newPage({ viewport: PHONE });
    await ops.goto(`${s.url}/#/signin`);
    await ops.fill('#principal', 'user:ops');
    await ops.click('#signin button[type=submit]');
    await ops.waitForSelector('#inbox-title');
    await ops.goto(`${s.url}/#/chat`);
    await ops.waitForSelector('#transcript .suggestions');
    await ops.fill('#message', 'Transfer $150 to Bob');
    await ops.click('#composer button[type=submit]');
    await ops.waitForSelector('.approval[data-task-state=waiting]');
    await ops.waitForSelector('#composer button:not([disabled])');
    // Ops is in the group asked, but asked for the transfer: another member decides.
    const card = (await ops.textContent('.approval')) ?? '';
    expect(card).toContain('Asked: the bank group · requested by you');
    expect(card).toContain('You asked, so you may not approve it yourself.');
    expect(await ops.locator('.approval button').count()).toBe(0);

    // Alice, another member, approves through the API; the chat resumes.
    const [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
    const answered = await s.call('POST', `/v1/tasks/${task?.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    await ops.waitForSelector('.bubble:has-text("Transferred $150 to Bob.")');
    await ops.close();
  });
});
