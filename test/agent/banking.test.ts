import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import type { Heed } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

async function pendingTaskOf(heed: Heed, runId: string) {
  await heed.idle();
  return (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
}

describe.each(['banking', 'banking-router'])('the banking agent (%s)', (workflow) => {
  it('transfers $50 without asking anyone', async () => {
    const { heed } = testEngine();
    const bank = registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, { message: 'Transfer $50 to Alice' });
    const output = await run.result();
    expect(output.reply).toContain('Transferred $50 to Alice');
    expect(bank.balance('Alice')).toBe(50);
    expect((await heed.tasks.list()).items).toEqual([]);
  });

  it('asks before transferring $150, then transfers what was approved', async () => {
    const { heed } = testEngine();
    const bank = registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    expect(task).toMatchObject({
      type: 'approval',
      title: 'Transfer $150 to Alice?',
      action: { tool: 'transfer', args: { to: 'Alice', amount: 150 } },
    });
    expect(await heed.getStatus(run.id, 'agent')).toMatchObject({ status: 'pending_approval' });
    expect(bank.balance('Alice')).toBe(0);
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice' });
    expect((await run.result()).reply).toContain('Transferred $150 to Alice');
    expect(bank.balance('Alice')).toBe(150);
  });

  it('two approvals in one turn: approving one and rejecting the other moves exactly the approved money', async () => {
    const { heed } = testEngine();
    const bank = registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, {
      message: 'Transfer $150 to Alice and transfer $300 to Bob',
    });
    const decided: string[] = [];
    for (let task = await pendingTaskOf(heed, run.id); task; task = await pendingTaskOf(heed, run.id)) {
      const to = String(task.action?.args.to);
      decided.push(to);
      await heed.tasks.respond(
        task.id,
        to === 'Alice' ? { outcome: 'approve' } : { outcome: 'reject', comment: 'not Bob' },
        { principal: 'user:carol' },
      );
    }
    const output = await run.result();
    expect(decided.sort()).toEqual(['Alice', 'Bob']);
    expect(bank.balance('Alice')).toBe(150);
    expect(bank.balance('Bob')).toBe(0);
    expect(output.reply).toContain('not Bob');
  });

  it("asks the approvers of the server's policy for the tool, whatever the agent's code names", async () => {
    const { heed } = testEngine({
      policies: [{ name: 'transfers', match: { tool: 'transfer' }, approvers: ['group:treasury'], deadline: '1h' }],
    });
    registerBanking(heed, new OfflineModel(), { approvals: { approvers: ['user:ops'] } });
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    expect(task?.assignees.map((a) => a.principal)).toEqual(['group:treasury']);
    expect(task?.policy).toMatchObject({ name: 'transfers', version: expect.any(String) });
    expect(task?.deadline).toBe((task?.createdAt ?? 0) + 3_600_000);
  });

  it('tells the user why when the approver rejects', async () => {
    const { heed } = testEngine();
    const bank = registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'reject', comment: 'Alice was paid yesterday' },
      { principal: 'user:bob' },
    );
    const output = await run.result();
    expect(output.reply).toContain('Alice was paid yesterday');
    expect(output.actions[0]).toMatchObject({ tool: 'transfer', outcome: 'rejected' });
    expect(bank.balance('Alice')).toBe(0);
    expect(await heed.getStatus(run.id, 'agent')).toMatchObject({ status: workflow === 'banking' ? 'done' : 'done' });
  });

  it('runs the tool with the edited arguments when the approver changes them', async () => {
    const { heed } = testEngine();
    const bank = registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'approve', args: { to: 'Alice', amount: 120 } },
      { principal: 'user:bob' },
    );
    const output = await run.result();
    expect(bank.balance('Alice')).toBe(120);
    expect(output.reply).toContain('Transferred $120 to Alice');
    if (workflow === 'banking') expect(output.reply).toContain('Bob changed amount from 150 to 120');
  });

  it('survives a restart while the human has not answered: a new process continues the thread', async () => {
    const { heed, reopen } = testEngine();
    registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>(workflow, {
      message: 'Deposit $20 and transfer $150 to Alice',
    });
    const task = await pendingTaskOf(heed, run.id);
    await heed.stop();

    const next = reopen();
    const bank = registerBanking(next, new OfflineModel());
    await next.start();
    await next.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice' });
    const output = await next.handle<BankingOutput>(run.id).result();
    // The new process's bank never saw the deposit step run again: it was recorded before the restart.
    expect(output.reply).toContain('Transferred $150 to Alice');
    expect(output.actions.map((a) => a.tool)).toEqual(['deposit', 'transfer']);
    expect(bank.balance('Alice')).toBe(150);
    expect(bank.balance()).toBe(850);
  });
});
