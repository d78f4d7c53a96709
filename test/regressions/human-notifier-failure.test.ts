import { describe, expect, it, vi } from 'vitest';
import type { Notification, Notifier } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

class BrokenNotifier implements Notifier {
  readonly channel = 'email';
  calls = 0;
  async notify(_n: Notification): Promise<void> {
    this.calls++;
    throw new Error('SMTP down');
  }
}

describe('a channel that keeps failing', () => {
  it('does not keep the task pending past its deadline (fail closed still applies)', async () => {
    const email = new BrokenNotifier();
    const { heed, clock } = testEngine({ notifiers: [email] });
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Deploy?',
      assignees: ['user:alice'],
      channels: ['email'],
      deadline: '1h',
    });
    // Step retries back off on the (virtual) clock: keep moving it along (idle() would wait for
    // the execution sleeping between retries) until the deadline has decided.
    await vi.waitFor(
      async () => {
        await clock.advance('1m');
        expect((await heed.tasks.get(task.id))?.status).toBe('resolved');
      },
      { timeout: 20_000, interval: 10 },
    );
    expect(email.calls).toBeGreaterThan(0);
    const run = await heed.runs.get(task.runId);
    // Actual: the notify:created step ran out of its 3 retries, the lifecycle run failed, and
    // the deadline was never applied: the task stays pending forever.
    expect(run?.status).not.toBe('failed');
    expect((await heed.tasks.get(task.id))?.status).toBe('resolved');
    expect((await heed.tasks.get(task.id))?.result?.outcome).toBe('reject');
  });
});
