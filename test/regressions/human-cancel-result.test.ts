import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('the result of a task cancelled with its asking run', () => {
  it('is a complete TaskResult (responses, at, comment, …)', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('asker', async (ctx) =>
      ctx.ask({ type: 'approval', title: 'Go?', assignees: ['group:x'], quorum: 2 }),
    );
    await heed.start();
    await wf.start(null, { id: 'asker-1' });
    await heed.idle();
    const [task] = (await heed.tasks.list()).items;
    const id = task?.id ?? '';
    await clock.advance('1m');
    await heed.runs.cancel('asker-1');
    const result = await heed.tasks.result(id);
    expect(result.status).toBe('cancelled');
    // Actual: {taskId, status, outcome, by, via} only; `responses` is undefined though typed as an array.
    expect(Array.isArray(result.responses)).toBe(true);
    expect(typeof result.at).toBe('number');
    expect(result).toHaveProperty('comment');
  });
});
