import { describe, expect, it } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

/**
 * Operations in flight at once in one execution (`Promise.all`) must each get their own result,
 * on the first execution and on every replay after it, whatever order their results came in.
 * Regression: on PostgreSQL, two `ctx.ask` awaited together could be replayed with each other's
 * decisions (a result's `ord` did not match the order the code had seen the results in).
 */
const ROUNDS = 20;

/** Every run ended as it should have: a blocked run (a replay that diverged) fails here, not by a timeout. */
async function expectSucceeded(heed: Heed, ids: string[]): Promise<void> {
  await heed.idle();
  for (const id of ids) {
    const run = await heed.runs.get(id);
    expect({ id, status: run?.status, error: run?.error ?? null }).toEqual({ id, status: 'succeeded', error: null });
  }
}

describe('concurrent operations keep their own results across replays', () => {
  it('two ctx.ask at once, answered in the opposite order, each get their own decision', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('two-asks', async (ctx, input: { round: number }) => {
      const side = async (name: string, delayMs: number) => {
        await ctx.step(`prepare-${name}`, async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        });
        const decision = await ctx.ask({
          type: 'approval',
          title: `Open the ${name}?`,
          payload: { name },
          assignees: ['user:alice'],
        });
        // Work after the ask, taking positions in the order the decisions arrive.
        const seen = await ctx.step(`after-${name}`, () => decision.outcome);
        return ctx.step(`done-${name}`, () => seen);
      };
      const [vault, police] = await Promise.all([side('vault', 1 + (input.round % 4)), side('police', 0)]);
      return { round: input.round, vault, police };
    });
    await heed.start();
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await wf.start({ round }, { id: `asks-${round}` }));
    await heed.idle();
    const tasks = (await heed.tasks.inbox('user:alice', { limit: 100 })).items;
    expect(tasks).toHaveLength(2 * ROUNDS);
    // The police (asked second) is answered first, approved; then the vault, rejected.
    const nameOf = (task: (typeof tasks)[number]) => (task.payload as { name: string }).name;
    for (const round of runs.keys()) {
      const mine = tasks.filter((t) => t.askedBy === `asks-${round}`);
      for (const name of ['police', 'vault']) {
        const task = mine.find((t) => nameOf(t) === name);
        const answer = name === 'vault' ? { outcome: 'reject', comment: 'no' } : { outcome: 'approve' };
        await heed.tasks.respond(task?.id ?? '', answer, { principal: 'user:alice' });
      }
    }
    await expectSucceeded(
      heed,
      runs.map((r) => r.id),
    );
    for (const [round, run] of runs.entries()) {
      expect(await run.result()).toEqual({ round, vault: 'reject', police: 'approve' });
    }
  });

  it('two ctx.recv on different topics at once, sent in the opposite order, each get their own message', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('two-recvs', async (ctx, input: { round: number }) => {
      const side = async (topic: string, delayMs: number) => {
        const ready = await ctx.step(`prepare-${topic}`, async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return topic;
        });
        const got = await ctx.recv<string>(topic);
        const checked = await ctx.step(`check-${topic}`, () => `${ready}:${got}`);
        return ctx.step(`done-${topic}`, () => checked);
      };
      const [left, right] = await Promise.all([side('left', 1 + (input.round % 4)), side('right', 0)]);
      return { left, right, late: await ctx.recv<string>('late') };
    });
    await heed.start();
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await wf.start({ round }, { id: `recvs-${round}` }));
    await heed.idle();
    for (let round = 0; round < ROUNDS; round++) {
      await heed.send(`recvs-${round}`, 'right', `right-${round}`);
      await heed.send(`recvs-${round}`, 'left', `left-${round}`);
    }
    await heed.idle();
    for (let round = 0; round < ROUNDS; round++) await heed.send(`recvs-${round}`, 'late', 'late');
    await expectSucceeded(
      heed,
      runs.map((r) => r.id),
    );
    for (const [round, run] of runs.entries()) {
      expect(await run.result()).toEqual({ left: `left:left-${round}`, right: `right:right-${round}`, late: 'late' });
    }
  });

  it('two steps of different duration at once, then a wait: the replay gives each its own result', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('two-steps', async (ctx, input: { round: number }) => {
      const slow = async () => {
        const a = await ctx.step('slow', async () => {
          await new Promise((resolve) => setTimeout(resolve, 5 + (input.round % 3)));
          return 'slow';
        });
        const b = await ctx.step('slow-2', () => `${a}-2`);
        return ctx.step('slow-3', () => `${b}-3`);
      };
      const fast = async () => {
        const a = await ctx.step('fast', () => 'fast');
        const b = await ctx.step('fast-2', () => `${a}-2`);
        return ctx.step('fast-3', () => `${b}-3`);
      };
      const [s, f] = await Promise.all([slow(), fast()]);
      const go = await ctx.recv<string>('go'); // suspends: what follows comes from a replay
      return { s, f, go };
    });
    await heed.start();
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await wf.start({ round }, { id: `steps-${round}` }));
    await heed.idle();
    for (let round = 0; round < ROUNDS; round++) await heed.send(`steps-${round}`, 'go', `go-${round}`);
    await expectSucceeded(
      heed,
      runs.map((r) => r.id),
    );
    for (const [round, run] of runs.entries()) {
      expect(await run.result()).toEqual({ s: 'slow-2-3', f: 'fast-2-3', go: `go-${round}` });
    }
  });

  it('results that arrive together reach code of different depths in the same order on the first run and on replays', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('depths', async (ctx, input: { round: number }) => {
      const deep = async () => {
        const b = await ctx.recv<string>('b');
        for (let i = 0; i < 1 + (input.round % 4); i++) await Promise.resolve();
        return ctx.step('next', () => `${b}+`);
      };
      const shallow = async () => {
        const a = await ctx.step('a', () => 'a');
        return ctx.step('next', () => `${a}+`);
      };
      const [x, y] = await Promise.all([deep(), shallow()]);
      const go = await ctx.recv<string>('go'); // suspends: what follows comes from a replay
      return { x, y, go };
    });
    await heed.start();
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The message is there before the run starts: the recv and the step are answered together.
      runs.push(await wf.start({ round }, { id: `depths-${round}` }));
      await heed.send(`depths-${round}`, 'b', 'b');
    }
    await heed.idle();
    for (let round = 0; round < ROUNDS; round++) await heed.send(`depths-${round}`, 'go', 'go');
    await expectSucceeded(
      heed,
      runs.map((r) => r.id),
    );
    for (const run of runs) expect(await run.result()).toEqual({ x: 'b+', y: 'a+', go: 'go' });
  });
});
