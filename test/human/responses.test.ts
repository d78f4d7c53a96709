import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { TaskAlreadyResolvedError, type TaskResult } from '../../src/index.ts';
import { schemaCacheSizes, toJsonSchema, validateAgainst } from '../../src/human/schemas.ts';
import { testEngine } from '../helpers.ts';

describe('human tasks: answering', () => {
  it('needs 2 approvals from distinct principals for a quorum of 2, and one reject ends it', async () => {
    const { heed } = testEngine();
    await heed.start();
    const spec = { type: 'approval', title: 'Wire $50k', assignees: ['group:finance'], quorum: 2 } as const;
    const task = await heed.tasks.create(spec);
    const as = (principal: string) => ({ principal });
    // Membership comes from the hook; without it nobody is in group:finance.
    await expect(heed.tasks.respond(task.id, { outcome: 'approve' }, as('user:carol'))).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });

    const withGroups = testEngine({ groupsOf: (p) => (p.startsWith('user:') ? ['group:finance'] : []) }).heed;
    await withGroups.start();
    const quorum = await withGroups.tasks.create(spec);
    const first = await withGroups.tasks.respond(quorum.id, { outcome: 'approve' }, as('user:carol'));
    expect(first.status).toBe('pending');
    await expect(withGroups.tasks.respond(quorum.id, { outcome: 'approve' }, as('user:carol'))).rejects.toMatchObject({
      code: 'ALREADY_RESPONDED',
    });
    const second = await withGroups.tasks.respond(quorum.id, { outcome: 'approve' }, as('user:dave'));
    expect(second.status).toBe('resolved');
    expect(second.result?.responses.map((r) => r.principal)).toEqual(['user:carol', 'user:dave']);

    const rejected = await withGroups.tasks.create(spec);
    await withGroups.tasks.respond(rejected.id, { outcome: 'approve' }, as('user:carol'));
    const ended = await withGroups.tasks.respond(
      rejected.id,
      { outcome: 'reject', comment: 'no budget' },
      as('user:erin'),
    );
    expect(ended.result).toMatchObject({
      status: 'resolved',
      outcome: 'reject',
      by: 'user:erin',
      comment: 'no budget',
    });
  });

  it('refuses the requester approving their own request, and records the refusal', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Raise my own limit',
      requester: 'user:alice',
      assignees: ['user:alice', 'user:bob'],
    });
    await expect(
      heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice' }),
    ).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
      message: 'user:alice requested this approval and may not answer it (four-eyes)',
    });
    await expect(
      heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:mallory' }),
    ).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });
    const audit = await heed.tasks.audit(task.id);
    expect(audit.filter((e) => e.action === 'refused').map((e) => e.actor)).toEqual(['user:alice', 'user:mallory']);
    expect((await heed.tasks.get(task.id))?.status).toBe('pending');
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob' });
    expect((await heed.tasks.verifyAudit(task.id)).ok).toBe(true);
  });

  it('lets the approver edit the action arguments, validated, and says what changed', async () => {
    const { heed } = testEngine();
    const transferArgs = z.object({ to: z.string().min(1), amount: z.number().positive().max(1000) });
    const wf = heed.workflow('transfer', async (ctx) => {
      const decision = await ctx.ask({
        type: 'approval',
        title: 'Transfer $150 to Alice?',
        action: { tool: 'transfer', args: { to: 'alice', amount: 150 }, schema: transferArgs },
        allowEdit: true,
        assignees: ['user:bob'],
      });
      return { args: decision.args, edit: decision.edit, argsHash: decision.argsHash };
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    const [task] = (await heed.tasks.list()).items;
    const id = task?.id ?? '';
    expect(task?.action).toMatchObject({ tool: 'transfer', args: { to: 'alice', amount: 150 } });
    const invalid = await heed.tasks
      .respond(id, { outcome: 'approve', args: { to: 'alice', amount: -5 } }, { principal: 'user:bob' })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'args.amount', message: 'must be > 0' }],
    });
    await heed.tasks.respond(id, { outcome: 'approve', args: { to: 'alice', amount: 100 } }, { principal: 'user:bob' });
    const result = await run.result();
    expect(result.args).toEqual({ to: 'alice', amount: 100 });
    expect(result.edit?.changes).toEqual([{ path: 'amount', from: 150, to: 100 }]);
    expect(result.argsHash).not.toBe(task?.action?.argsHash);
  });

  it('refuses edits when not allowed, outcomes not offered, and a reject without a reason', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Ship it?',
      action: { tool: 'ship', args: { v: 1 } },
    });
    const as = { principal: 'user:bob' };
    await expect(heed.tasks.respond(task.id, { outcome: 'approve', args: { v: 2 } }, as)).rejects.toMatchObject({
      code: 'EDIT_NOT_ALLOWED',
    });
    await expect(heed.tasks.respond(task.id, { outcome: 'maybe' }, as)).rejects.toMatchObject({
      code: 'OUTCOME_NOT_ALLOWED',
    });
    await expect(heed.tasks.respond(task.id, { outcome: 'reject' }, as)).rejects.toMatchObject({
      code: 'COMMENT_REQUIRED',
    });
    await expect(heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'bob' })).rejects.toMatchObject({
      code: 'INVALID_PRINCIPAL',
    });
    expect((await heed.tasks.get(task.id))?.responses).toEqual([]);
    const done = await heed.tasks.respond(task.id, { outcome: 'reject', comment: 'tests are red' }, as);
    expect(done.result?.comment).toBe('tests are red');
  });

  it('validates form data against the JSON Schema, with field errors, then accepts valid data', async () => {
    const { heed } = testEngine();
    const budget = z.object({ amount: z.number().int().min(1), justification: z.string().min(10) });
    const wf = heed.workflow('budget', async (ctx) => {
      const answer = await ctx.ask({ type: 'form', title: 'Fill in the budget justification', form: budget });
      expectTypeOf(answer.data).toEqualTypeOf<{ amount: number; justification: string } | null>();
      expectTypeOf(answer.outcome).toEqualTypeOf<'submit' | null>();
      return answer.data;
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    const [task] = (await heed.tasks.list()).items;
    const id = task?.id ?? '';
    expect(task?.form).toMatchObject({ type: 'object', required: ['amount', 'justification'] });
    const error = await heed.tasks
      .respond(id, { outcome: 'submit', data: { amount: 0, justification: 'short' } }, { principal: 'user:pm' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [
        { path: 'amount', message: 'must be >= 1' },
        { path: 'justification', message: 'must NOT have fewer than 10 characters' },
      ],
    });
    await expect(heed.tasks.respond(id, { outcome: 'submit' }, { principal: 'user:pm' })).rejects.toMatchObject({
      issues: [{ path: 'data', message: 'is required' }],
    });
    await heed.tasks.respond(
      id,
      { outcome: 'submit', data: { amount: 1200, justification: 'two more GPUs for the eval run' } },
      { principal: 'user:pm' },
    );
    expect(await run.result()).toEqual({ amount: 1200, justification: 'two more GPUs for the eval run' });
  });

  it('types the result by the spec: custom outcomes', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('typed', async (ctx) => {
      const answer = await ctx.ask({ type: 'clarification', title: 'Which region?', outcomes: ['eu', 'us'] });
      expectTypeOf(answer).toEqualTypeOf<TaskResult<'eu' | 'us', unknown>>();
      const review = await ctx.ask({ type: 'review', title: 'Review the summary' });
      expectTypeOf(review.outcome).toEqualTypeOf<'approve' | 'request_changes' | 'reject' | null>();
      return [answer.outcome, review.outcome];
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    const [first] = (await heed.tasks.list()).items;
    await heed.tasks.respond(first?.id ?? '', { outcome: 'eu' }, { principal: 'user:a' });
    await heed.idle();
    const [second] = (await heed.tasks.list({ status: 'pending' })).items;
    await heed.tasks.respond(second?.id ?? '', { outcome: 'approve' }, { principal: 'user:a' });
    expect(await run.result()).toEqual(['eu', 'approve']);
  });

  it('lets exactly one of 100 concurrent responders win', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({ type: 'approval', title: 'Restart the cluster?' });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        heed.tasks.respond(
          task.id,
          { outcome: i % 2 ? 'approve' : 'reject', comment: 'reason' },
          { principal: `user:u${i}` },
        ),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(99);
    expect(lost.every((r) => r.reason instanceof TaskAlreadyResolvedError)).toBe(true);
    const final = await heed.tasks.get(task.id);
    expect(final?.responses).toHaveLength(1);
    expect(final?.result?.by).toBe(final?.responses[0]?.principal);
  });
});

describe('human tasks: form schemas', () => {
  const pm = { principal: 'user:pm' };

  it('takes a form with an $id again, the same or changed, each answer checked against its own schema', async () => {
    const { heed } = testEngine();
    const v1 = {
      $id: 'https://forms.example.com/expense',
      type: 'object',
      properties: { amount: { type: 'number' } },
      required: ['amount'],
    };
    const v2 = { ...v1, properties: { reason: { type: 'string' } }, required: ['reason'] };
    const first = await heed.tasks.create({ type: 'form', title: 'Expense', form: v1 });
    const changed = await heed.tasks.create({ type: 'form', title: 'Expense', form: v2 });
    const again = await heed.tasks.create({ type: 'form', title: 'Expense', form: structuredClone(v1) });
    for (const task of [first, again]) {
      await expect(heed.tasks.respond(task.id, { outcome: 'submit', data: { reason: 'x' } }, pm)).rejects.toMatchObject(
        {
          code: 'VALIDATION_FAILED',
          issues: [{ path: 'amount', message: 'is required' }],
        },
      );
      expect((await heed.tasks.respond(task.id, { outcome: 'submit', data: { amount: 12 } }, pm)).status).toBe(
        'resolved',
      );
    }
    await expect(heed.tasks.respond(changed.id, { outcome: 'submit', data: { amount: 12 } }, pm)).rejects.toMatchObject(
      {
        issues: [{ path: 'reason', message: 'is required' }],
      },
    );
    expect((await heed.tasks.respond(changed.id, { outcome: 'submit', data: { reason: 'taxi' } }, pm)).status).toBe(
      'resolved',
    );
  });

  it("never resolves one form's $ref to another form's $id", async () => {
    const { heed } = testEngine();
    await heed.tasks.create({
      type: 'form',
      title: 'Address',
      form: { $id: 'https://forms.example.com/address', type: 'object', properties: { city: { type: 'string' } } },
    });
    const error = await heed.tasks
      .create({
        type: 'form',
        title: 'Shipping',
        form: { type: 'object', properties: { to: { $ref: 'https://forms.example.com/address' } } },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_TASK' });
    expect((error as Error).message).toMatch(/form: .*can't resolve reference/);
  });

  it('keeps a bounded number of compiled forms, and ajv keeps none of them', () => {
    const before = schemaCacheSizes();
    for (let i = 0; i < 700; i++) {
      const form = {
        ...(i % 2 === 0 ? { $id: `https://forms.example.com/f${i}` } : {}),
        type: 'object',
        properties: {
          [`field${i}`]: { type: 'integer', minimum: i },
          nested: { $id: `https://forms.example.com/nested/${i}`, type: 'string' },
        },
        required: [`field${i}`],
      };
      expect(validateAgainst(toJsonSchema(form), { [`field${i}`]: i - 1 })).toEqual([
        { path: `field${i}`, message: `must be >= ${i}` },
      ]);
    }
    const after = schemaCacheSizes();
    expect(after.compiled).toBeLessThanOrEqual(256);
    expect(after.ajvCache).toBe(before.ajvCache);
    expect(after.ajvRefs).toBe(before.ajvRefs);
  });
});
