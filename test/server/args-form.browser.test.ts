/**
 * Editing an action's arguments in the inbox (issue 19): a form built from the action's JSON
 * Schema (strings, numbers with bounds, an enum, a boolean, a nested object, an array of strings,
 * required marks, messages beside the fields), JSON as the fallback and behind a switch; the
 * server still validates. In headless Chromium against a real server; the run gets the edit.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Heed } from '../../src/index.ts';
import { PHONE, shot, useChromium } from '../browser.ts';
import { testServer } from './helpers.ts';

const chromium = useChromium();

const Payment = z.object({
  to: z.string().min(1).describe('Who receives the money'),
  amount: z.number().positive().max(10_000),
  currency: z.enum(['USD', 'EUR']),
  urgent: z.boolean(),
  reference: z.string().max(140).optional(),
  tags: z.array(z.string()).max(3).optional(),
  address: z.object({ city: z.string().min(1), postcode: z.string().regex(/^[0-9]{5}$/) }),
  instalments: z.number().int().min(1).max(5),
});
const ARGS = {
  to: 'ACME Supplies',
  amount: 150,
  currency: 'USD',
  urgent: false,
  tags: ['invoice'],
  address: { city: 'Lyon', postcode: '69001' },
  instalments: 1,
};

/** A run asks Alice to approve a payment; it returns what she decided and the arguments it got. */
function register(heed: Heed): void {
  heed.workflow('pay', async (ctx, input: { loose?: boolean }) => {
    const decision = await ctx.ask({
      type: 'approval',
      title: 'Pay ACME Supplies?',
      action: input.loose
        ? {
            tool: 'pay',
            args: { to: 'ACME', amount: 150 },
            schema: z.object({ to: z.string(), amount: z.union([z.number(), z.string()]) }),
          }
        : { tool: 'pay', args: ARGS, schema: Payment },
      allowEdit: true,
      assignees: ['user:alice'],
    });
    return { outcome: decision.outcome, args: decision.args };
  });
}

async function openTask(
  s: Awaited<ReturnType<typeof testServer>>,
  runId: string,
  loose = false,
): Promise<{ page: Page; id: string }> {
  // The virtual clock at the browser's now, so that times read as they will ("just now").
  if (s.clock.now() < Date.now() - 60_000) await s.clock.advance(Date.now() - s.clock.now());
  await s.call('POST', '/v1/runs', { as: 'user:carol', body: { workflow: 'pay', id: runId, input: { loose } } });
  await s.heed.idle();
  const task = (await s.heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
  const page = await chromium().newPage({ viewport: PHONE });
  await page.goto(`${s.url}/#/signin`);
  await page.fill('#principal', 'user:alice');
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#inbox-title');
  await page.goto(`${s.url}/#/task/${task?.id}`);
  await page.waitForSelector('#answer');
  return { page, id: task?.id ?? '' };
}

const errorOf = (page: Page, path: string) => page.textContent(`[data-error-for="${path}"]`);

describe('editing arguments as a form built from their schema (headless Chromium)', { timeout: 90_000 }, () => {
  it('draws the schema, refuses invalid values beside their fields without sending, and approves the edit', async () => {
    const s = await testServer({ setup: register });
    const { page, id } = await openTask(s, 'pay-form');
    await page.waitForSelector('#args-form');
    // Each kind of field, as the schema says; required fields marked; the JSON is behind a switch.
    expect(await page.inputValue('#arg-to')).toBe('ACME Supplies');
    expect(await page.getAttribute('#arg-amount', 'type')).toBe('number');
    expect(await page.getAttribute('#arg-amount', 'max')).toBe('10000');
    expect(await page.$eval('#arg-currency', (el) => el.tagName)).toBe('SELECT');
    expect(await page.getAttribute('#arg-urgent', 'type')).toBe('checkbox');
    expect(await page.inputValue('#arg-address--city')).toBe('Lyon');
    expect(await page.locator('#arg-tags .array-item').count()).toBe(1);
    const form = (await page.textContent('#args-form')) ?? '';
    expect(form).toContain('Who receives the money');
    // to, amount, currency, address, its city and postcode, instalments; not reference or tags (a checkbox always has a value)
    expect(form.split('(required)').length - 1).toBe(7);
    expect(await page.isVisible('#args')).toBe(false);
    await shot(page, 'task-args-form-phone', true);

    // Wrong values: a message beside each, and nothing is sent.
    await page.fill('#arg-amount', '-5');
    await page.fill('#arg-address--postcode', 'abc');
    await page.fill('#arg-instalments', '2.5');
    await page.fill('#arg-to', '');
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('[data-error-for="args.amount"]:not(:empty)');
    expect(await errorOf(page, 'args.amount')).toBe('Must be more than 0.');
    expect(await errorOf(page, 'args.address.postcode')).toBe('Not in the expected format.');
    expect(await errorOf(page, 'args.instalments')).toBe('Enter a whole number.');
    expect(await errorOf(page, 'args.to')).toBe('Required.');
    expect(await page.textContent('#form-error')).toContain('Some arguments are not valid');
    expect(await page.getAttribute('#arg-amount', 'class')).toContain('invalid');
    await shot(page, 'task-args-form-errors-phone', true);
    const still = await s.heed.tasks.get(id);
    expect(still?.status).toBe('pending');
    expect(still?.responses).toEqual([]);
    expect((await s.heed.tasks.audit(id)).map((e) => e.action)).not.toContain('refused');

    // Corrected and changed: each field's value, typed, reaches the run.
    await page.fill('#arg-to', 'ACME Supplies');
    await page.fill('#arg-amount', '120.5');
    await page.fill('#arg-address--postcode', '69002');
    await page.fill('#arg-instalments', '2');
    await page.selectOption('#arg-currency', { label: 'EUR' });
    await page.check('#arg-urgent');
    await page.click('[data-add-item="arg-tags"]');
    await page.fill('#arg-tags .array-item:nth-child(2) input', 'q3');
    await page.fill('#arg-reference', 'INV-2291');
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('#task[data-status=resolved]');
    expect(await page.textContent('#diff')).toContain('120.5');
    expect(await s.heed.handle('pay-form').result()).toEqual({
      outcome: 'approve',
      args: {
        to: 'ACME Supplies',
        amount: 120.5,
        currency: 'EUR',
        urgent: true,
        reference: 'INV-2291',
        tags: ['invoice', 'q3'],
        address: { city: 'Lyon', postcode: '69002' },
        instalments: 2,
      },
    });
    await page.close();
  });

  it('switches to JSON and back, says when JSON is invalid, and shows the server’s refusal', async () => {
    const s = await testServer({ setup: register });
    const { page, id } = await openTask(s, 'pay-json');
    await page.waitForSelector('#args-form');
    await page.fill('#arg-amount', '99');
    await page.click('#args-mode');
    // The JSON holds what the form held.
    expect(JSON.parse(await page.inputValue('#args'))).toMatchObject({ amount: 99, to: 'ACME Supplies' });
    expect(await page.textContent('#args-mode')).toBe('Edit as a form');

    await page.fill('#args', '{"to": "ACME", "amount": ');
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('#form-error:not(:empty)');
    expect(await page.textContent('#form-error')).toBe('That is not valid JSON.');
    await page.click('#args-mode'); // cannot go back to the form with it
    expect(await errorOf(page, 'args')).toContain('correct it to go back to the form');
    expect((await s.heed.tasks.get(id))?.status).toBe('pending');

    // The server validates what JSON lets through, and says so beside the arguments.
    await page.fill('#args', JSON.stringify({ ...ARGS, amount: -1 }));
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('[data-error-for="args"]:not(:empty)');
    expect(await errorOf(page, 'args')).toMatch(/amount must be > 0/);
    expect((await s.heed.tasks.get(id))?.status).toBe('pending');

    // Back to the form with valid JSON: the form shows it; approve from there.
    await page.fill('#args', JSON.stringify({ ...ARGS, amount: 77 }));
    await page.click('#args-mode');
    await page.waitForSelector('#args-form:not([hidden])');
    expect(await page.inputValue('#arg-amount')).toBe('77');
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('#task[data-status=resolved]');
    expect(await s.heed.handle('pay-json').result()).toEqual({ outcome: 'approve', args: { ...ARGS, amount: 77 } });
    await page.close();
  });

  it('edits as JSON when the form cannot draw the schema (a union)', async () => {
    const s = await testServer({ setup: register });
    const { page } = await openTask(s, 'pay-loose', true);
    expect(await page.$('#args-form')).toBeNull();
    expect(await page.$('#args-mode')).toBeNull();
    await page.fill('#args', JSON.stringify({ to: 'ACME', amount: 'one hundred' }));
    await page.click('button[data-outcome=approve]');
    await page.waitForSelector('#task[data-status=resolved]');
    expect(await s.heed.handle('pay-loose').result()).toEqual({
      outcome: 'approve',
      args: { to: 'ACME', amount: 'one hundred' },
    });
    await page.close();
  });
});
