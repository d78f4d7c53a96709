/**
 * The inbox's Agents view in a real headless Chromium: agents waiting for a person, in words
 * (what the agent wants, who it waits for, since when), never run ids or status enum names.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testServer } from './helpers.ts';

const CHROMIUM = process.env.HEED_CHROMIUM ?? '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** A payments agent that wants to transfer and asks bob; a support bot that asks alice a question. */
function agents(heed: Heed): void {
  heed.workflow('payments', async (ctx, input: { to: string; amount: number }) => {
    await ctx.setStatus('agent', { status: 'pending_approval', tool: 'transfer', args: input });
    return ctx.ask({
      type: 'approval',
      title: `Pay ${input.to} $${input.amount}?`,
      assignees: ['user:bob'],
      deadline: '8h',
    });
  });
  heed.workflow('support-bot', async (ctx) => {
    await ctx.setStatus('agent', { status: 'pending_human', question: 'Which account should I refund?' });
    return ctx.ask({ type: 'clarification', title: 'Which account?', assignees: ['user:carol'] });
  });
}

async function openAgents(page: Page, url: string, principal: string): Promise<string> {
  await page.goto(`${url}/#/signin`);
  await page.fill('#principal', principal);
  await page.click('button[type=submit]');
  await page.waitForSelector('#inbox-title');
  await page.click('a[href="#/agents"]');
  await page.waitForSelector('.agent, #no-agents');
  return (await page.textContent('#view')) ?? '';
}

describe('the Agents view', () => {
  it('says what each agent waits for in words, without run ids or status names', async () => {
    const s = await testServer({ setup: agents });
    // The virtual clock at the real time: the page says "since just now" and "answer in 8 h".
    await s.clock.advance(Date.now() - s.clock.now());
    const pay = await s.call('POST', '/v1/runs', {
      as: 'user:alice',
      body: { workflow: 'payments', input: { to: 'Bob', amount: 500 } },
    });
    const help = await s.call('POST', '/v1/runs', { as: 'user:alice', body: { workflow: 'support-bot', input: {} } });
    await vi.waitFor(async () => {
      for (const id of [pay.body.id, help.body.id]) expect((await s.heed.runs.get(id))?.status).toBe('waiting');
    });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      // alice started both: she reads what they want, and the questions they asked.
      const alice = await openAgents(page, s.url, 'user:alice');
      expect(alice).toContain('Payments agent');
      expect(alice).toContain('Wants to transfer (to Bob, amount 500) and waits for an approval');
      expect(alice).toContain('Pay Bob $500?');
      expect(alice).toMatch(/Approval, answer in 8 h/);
      expect(alice).toContain('since just now');
      expect(alice).toContain('Support bot');
      expect(alice).toContain('Asks: Which account should I refund?');
      for (const raw of ['pending_approval', 'pending_human', pay.body.id, help.body.id, 'support-bot']) {
        expect(alice).not.toContain(raw);
      }
      // bob is asked by the payments agent: he sees it and his task, not its arguments.
      const bob = await openAgents(page, s.url, 'user:bob');
      expect(bob).toContain('Payments agent');
      expect(bob).toContain('Waits for an approval');
      expect(bob).not.toContain('amount 500');
      expect(bob).not.toContain('Support bot');
      await page.click('.agent a');
      await page.waitForSelector('#task');
      expect(await page.textContent('#task')).toContain('Pay Bob $500?');
      // dave is asked by nobody.
      expect(await openAgents(page, s.url, 'user:dave')).toContain('No agent is waiting.');
    } finally {
      await page.close();
    }
  });

  it('shows a run blocked after a code change, with why and how to move it on', async () => {
    let changed = false;
    const s = await testServer({
      setup: (heed) => {
        heed.workflow('refund-agent', async (ctx) => {
          await ctx.step(changed ? 'fraud-check' : 'draft', () => 'ok');
          return ctx.recv('go');
        });
      },
    });
    await s.clock.advance(Date.now() - s.clock.now());
    await s.call('POST', '/v1/runs', { as: 'user:alice', body: { workflow: 'refund-agent', id: 'refund-7' } });
    await s.heed.idle();
    changed = true;
    await s.heed.send('refund-7', 'go', true);
    await vi.waitFor(async () => expect((await s.heed.runs.info('refund-7'))?.status).toBe('blocked'));
    const page = await browser.newPage();
    await openAgents(page, s.url, 'user:alice');
    await page.waitForSelector('.agent.blocked');
    const card = (await page.textContent('.agent.blocked')) ?? '';
    expect(card).toContain('Blocked: the code deployed cannot replay this run.');
    expect(card).toContain('version 1');
    expect(card).toContain('position 1 is step "fraud-check" in the code but step "draft" in the recorded history');
    expect(card).toContain('heed runs resume refund-7 --version N');
    await page.close();
  });
});
