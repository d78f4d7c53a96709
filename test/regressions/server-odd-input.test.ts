import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

describe('odd numbers in a task spec over HTTP', () => {
  it('answers a huge numeric deadline with 422, not a 500', async () => {
    const s = await testServer();
    const res = await s.call('POST', '/v1/tasks', { body: { type: 'approval', title: 'x', deadline: 1e308 } });
    // Actual: 500 INTERNAL ("cannot store REAL value in INTEGER column tasks.deadline").
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_TASK');
  });

  it('accepts or refuses (422) a fractional millisecond deadline, never a 500', async () => {
    const s = await testServer();
    const res = await s.call('POST', '/v1/tasks', { body: { type: 'approval', title: 'x', deadline: 1500.5 } });
    // Actual: 500 (now + 1500.5 is a REAL for an INTEGER column).
    expect([201, 422]).toContain(res.status);
  });
});
