import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('spec validation', () => {
  it('refuses (or honours) remind.max > 1 without remind.every, instead of silently sending one', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    let id: string;
    try {
      id = (await heed.tasks.create({ type: 'approval', title: 'x', remind: { after: '5m', max: 3 } })).id;
    } catch (error) {
      expect((error as { code?: string }).code).toBe('INVALID_TASK');
      return;
    }
    await heed.idle();
    await clock.advance('1d');
    await heed.idle();
    // Actual: accepted and stored with max 3, but policySchedule stops after one reminder.
    expect((await heed.tasks.get(id))?.remindersSent).toBe(3);
  });

  it('refuses duplicate outcomes', async () => {
    const { heed } = testEngine();
    await heed.start();
    // Actual: stored as ['approve', 'approve'].
    await expect(
      heed.tasks.create({ type: 'approval', title: 'x', outcomes: ['approve', 'approve'] }),
    ).rejects.toMatchObject({ code: 'INVALID_TASK' });
  });

  it('refuses "system" as a responder principal (it is the actor name of timers and cancellations)', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({ type: 'approval', title: 'Anyone may answer' });
    // Actual: accepted; the audit shows actor "system" via "api", indistinguishable from the engine.
    await expect(heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'system' })).rejects.toMatchObject({
      code: 'INVALID_PRINCIPAL',
    });
  });
});
