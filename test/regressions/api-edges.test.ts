import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('bad input to ctx operations', () => {
  it('rejects a waitForEvent match that is not a plain object', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('m', async (ctx) => {
      try {
        // A common slip: passing the id instead of {ticketId: id}.
        await ctx.waitForEvent('reply', { match: 'T-1' as unknown as Record<string, unknown>, timeout: '1h' });
        return 'waited';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    await heed.start();
    const run = await wf.start(null, { id: 'm1' });
    await heed.idle();
    // Actual: accepted; Object.keys('T-1') gives paths '0','1','2', the run waits for an event
    // that can never match ('waiting').
    expect((await heed.runs.get('m1'))?.status).toBe('succeeded');
    expect(await run.result()).toBe('INVALID_ARGUMENT');
  });

  it('does not let a match value of undefined select events whose value is null', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('u', async (ctx, input: { ticketId?: string }) => {
      const event = await ctx.waitForEvent('reply', { match: { ticketId: input.ticketId }, timeout: '1h' });
      return event === null ? 'timeout' : 'matched';
    });
    await heed.start();
    await wf.start({}, { id: 'u1' }); // ticketId missing: match {ticketId: undefined}
    await heed.idle();
    const { woken } = await heed.emit('reply', { ticketId: null });
    // Actual: woken 1: matchKey encodes undefined as null (JSON.stringify in an array).
    // Either reject the match (InvalidArgumentError) or never match; not match null.
    await heed.idle();
    expect(woken).toBe(0);
  });

  it('does not silently adopt an existing run of another workflow as a child', async () => {
    const { heed } = testEngine();
    const other = heed.workflow('other', async (ctx) => ctx.recv('never'));
    const child = heed.workflow('child', async () => 'child result');
    const parent = heed.workflow('parent', async (ctx) => {
      try {
        const started = await ctx.start(child, null, { id: 'taken' });
        return { adopted: started.id };
      } catch (error) {
        return { code: (error as { code?: string }).code };
      }
    });
    await heed.start();
    await other.start(null, { id: 'taken' });
    const run = await parent.start(null, { id: 'p1' });
    // The conflict is a bug in the workflow code and depends on state outside the run's
    // history, so it fails the run (a replay would not see the same thing) instead of being
    // handed to workflow code.
    const error = await run.result().catch((e: unknown) => e);
    expect((error as Error).cause).toMatchObject({ code: 'RUN_STATE_CONFLICT' });
    expect((await heed.runs.get('taken'))?.workflow).toBe('other');
  });
});
