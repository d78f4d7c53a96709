import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

/**
 * resolveOrRegister (waits.ts) compares only the *kind* of an already registered wait with the
 * request. A changed topic / match at the same position is not detected: the old wait row keeps
 * deciding what wakes the run.
 */
describe('non-determinism in registered waits', () => {
  it('blocks a run whose recv topic changed at a registered position instead of hanging', async () => {
    const { heed } = testEngine();
    let topic = 'a';
    const wf = heed.workflow('topic', async (ctx) => ctx.recv<string>(topic));
    await heed.start();
    await wf.start(null, { id: 't1' });
    await heed.idle();
    topic = 'b'; // new deploy: the code at position 1 now is recv "b"
    await heed.send('t1', 'a', 'for a'); // wakes the run (the wait row says topic a)
    await heed.idle();
    await heed.send('t1', 'b', 'for b'); // does not wake it (waitsOnTopic checks the old topic)
    await heed.idle();
    const run = await heed.runs.get('t1');
    // Actual: 'waiting' forever, no error anywhere.
    expect(run?.status).toBe('blocked');
    expect(run?.error?.code).toBe('NON_DETERMINISM');
  });

  it('does not return an event that the (changed) match does not select', async () => {
    const { heed } = testEngine();
    let ticket = 'T-1';
    const wf = heed.workflow('evt', async (ctx) => {
      const event = await ctx.waitForEvent<{ ticketId: string }>('reply', { match: { ticketId: ticket } });
      return event?.data.ticketId;
    });
    await heed.start();
    await wf.start(null, { id: 'e1' });
    await heed.idle();
    ticket = 'T-2';
    await heed.emit('reply', { ticketId: 'T-1' });
    await heed.idle();
    const run = await heed.runs.get('e1');
    // Actual: succeeded with 'T-1', an event the code's match ({ticketId: 'T-2'}) rejects.
    expect(run?.output).not.toBe('T-1');
  });
});
