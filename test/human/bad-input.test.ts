import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

describe('human tasks: bad input is refused clearly and stores nothing', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown type', { type: 'vote', title: 'x' }, 'INVALID_TASK', /type: Invalid option/],
    ['an empty title', { type: 'approval', title: '   ' }, 'INVALID_TASK', /title: must not be empty/],
    [
      'an invalid JSON Schema',
      { type: 'form', title: 'x', form: { type: 'nope' } },
      'INVALID_TASK',
      /form: schema is invalid/,
    ],
    [
      'an unknown field',
      { type: 'approval', title: 'x', asignees: ['user:a'] },
      'INVALID_TASK',
      /Unrecognized key: "asignees"/,
    ],
    [
      'a malformed principal',
      { type: 'approval', title: 'x', assignees: ['alice'] },
      'INVALID_TASK',
      /assignees.0: must be a principal/,
    ],
    [
      'a bad duration',
      { type: 'approval', title: 'x', deadline: 'soon' },
      'INVALID_TASK',
      /deadline: duration "soon" is not a duration/,
    ],
    [
      'an onTimeout that is no outcome',
      { type: 'approval', title: 'x', onTimeout: 'maybe' },
      'INVALID_TASK',
      /onTimeout: "maybe"/,
    ],
    [
      'a comment rule for a missing outcome',
      { type: 'form', title: 'x', requireComment: ['reject'] },
      'INVALID_TASK',
      /requireComment/,
    ],
    [
      'an edit without an action',
      { type: 'approval', title: 'x', allowEdit: true },
      'INVALID_TASK',
      /allowEdit: needs an action/,
    ],
  ];

  it.each(cases)('refuses %s', async (_what, spec, code, message) => {
    const { heed } = testEngine();
    const error = await heed.tasks.create(spec as TaskSpec).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
    expect((await heed.tasks.list()).items).toEqual([]);
    expect((await heed.runs.list()).items).toEqual([]);
  });

  it('refuses an oversized payload, with a configurable limit', async () => {
    const { heed } = testEngine({ maxTaskBytes: 1024 });
    const error = await heed.tasks
      .create({ type: 'review', title: 'Read this', payload: { text: 'x'.repeat(2000) } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((error as Error).message).toMatch(/over the limit of 1024/);
    expect((await heed.tasks.list()).items).toEqual([]);
    await expect(
      heed.tasks.create({ type: 'review', title: 'Read this', payload: { text: 'short' } }),
    ).resolves.toMatchObject({
      status: 'pending',
    });
  });

  it('fails the asking run with the same clear error when ctx.ask gets a bad spec', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('bad-asker', async (ctx) => ctx.ask({ type: 'approval', title: '' }));
    await heed.start();
    await expect((await wf.start(null)).result()).rejects.toMatchObject({ cause: { code: 'INVALID_TASK' } });
    expect((await heed.tasks.list()).items).toEqual([]);
  });

  it('answers unknown tasks with TASK_NOT_FOUND', async () => {
    const { heed } = testEngine();
    await expect(heed.tasks.respond('nope', { outcome: 'approve' }, { principal: 'user:a' })).rejects.toMatchObject({
      code: 'TASK_NOT_FOUND',
    });
    await expect(heed.tasks.audit('nope')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(await heed.tasks.get('nope')).toBeUndefined();
  });
});
