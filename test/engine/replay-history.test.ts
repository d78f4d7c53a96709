import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { type ExportedHistory, ReplayDivergenceError, replayHistory } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'histories');

describe('replaying recorded histories against today’s code (heed history export, replayHistory)', () => {
  it('replays the committed histories of the demo workflows (scripts/record-histories.ts)', async () => {
    const { heed } = testEngine();
    registerDemoWorkflows(heed);
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const history = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as ExportedHistory;
      const workflow = { name: history.workflow, replay: (h: ExportedHistory) => heed.replayHistory(h.workflow, h) };
      const verdict = await replayHistory(workflow, history);
      expect(verdict, file).toMatchObject({
        ok: true,
        reachedEnd: history.status === 'waiting' ? 'frontier' : 'completed',
      });
    }
  });

  it('fails with the first divergence, naming the call recorded and the call made now, and runs nothing', async () => {
    const { heed } = testEngine();
    let ran = 0;
    const before = heed.workflow('ship', async (ctx, version: string) => {
      await ctx.step('build', () => `built ${version}`);
      return ctx.recv<string>('go');
    });
    await heed.start();
    const run = await before.start('2.0', { id: 'ship-1' });
    await heed.idle();
    const history = await heed.exportHistory(run.id);
    expect(history).toMatchObject({ format: 'heed.history/1', runId: 'ship-1', workflow: 'ship', status: 'waiting' });
    // The same code replays it, up to the wait it is suspended on.
    expect(await replayHistory(before, JSON.stringify(history))).toMatchObject({ ok: true, reachedEnd: 'frontier' });

    // A new step before the recorded one: the divergence names the position and both calls.
    const { heed: next } = testEngine();
    const after = next.workflow('ship', async (ctx, version: string) => {
      await ctx.step('lint', () => {
        ran++;
        return 'ok';
      });
      await ctx.step('build', () => `built ${version}`);
      return ctx.recv<string>('go');
    });
    const replayed = replayHistory(after, history);
    await expect(replayed).rejects.toThrow(ReplayDivergenceError);
    await expect(replayHistory(after, history)).rejects.toThrow(
      /position 1 is step "lint" in the code but step "build" in the recorded history/,
    );
    expect(ran).toBe(0);
  });

  it('fails when the code stops before a recorded call, and when a recorded event no longer matches', async () => {
    const { heed } = testEngine();
    const wait = heed.workflow('wait', async (ctx) => {
      const event = await ctx.waitForEvent<{ ticket: string }>('reply', { match: { ticket: 'T-1' } });
      await ctx.step('close', () => event?.data.ticket);
      return event?.data.ticket;
    });
    await heed.start();
    const run = await wait.start(null, { id: 'w-1' });
    await heed.idle();
    await heed.emit('reply', { ticket: 'T-1' });
    await run.result();
    const history = await heed.exportHistory('w-1');
    expect(await replayHistory(wait, history)).toMatchObject({ ok: true, reachedEnd: 'completed' });

    const { heed: other } = testEngine();
    const shorter = other.workflow('wait', async (ctx) => {
      const event = await ctx.waitForEvent<{ ticket: string }>('reply', { match: { ticket: 'T-1' } });
      return event?.data.ticket;
    });
    await expect(replayHistory(shorter, history)).rejects.toThrow(/without reaching recorded position 2/);
    const { heed: third } = testEngine();
    const rematched = third.workflow('wait', async (ctx) => {
      const event = await ctx.waitForEvent<{ ticket: string }>('reply', { match: { ticket: 'T-2' } });
      await ctx.step('close', () => event?.data.ticket);
      return event?.data.ticket;
    });
    await expect(replayHistory(rematched, history)).rejects.toThrow(/the recorded event does not match it/);
  });
});
