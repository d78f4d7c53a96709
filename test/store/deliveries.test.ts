import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

describe('deliveries', () => {
  it('records one sent delivery per task, channel and lifecycle event, so a channel is never told twice', async () => {
    const told: string[] = [];
    const { heed, clock } = testEngine({
      notifiers: [{ channel: 'pager', notify: async (n: Notification) => void told.push(n.key) }],
    });
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Ship it?',
      assignees: ['user:alice'],
      channels: ['pager'],
      remind: { after: '5m', max: 1 },
    });
    await heed.idle();
    await clock.advance('5m');
    await heed.idle();
    expect(told).toEqual([`${task.id}:created:0:pager`, `${task.id}:reminder:1:pager`]);

    const records = await heed.deliveries.taskDeliveries(task.id);
    expect(records.map((r) => [r.key, r.channel, r.recipient, r.event, r.status, r.attempts])).toEqual([
      [`${task.id}:created:0:inbox`, 'inbox', '*', 'created:0', 'sent', 1],
      [`${task.id}:created:0:pager`, 'pager', '*', 'created:0', 'sent', 1],
      [`${task.id}:reminder:1:inbox`, 'inbox', '*', 'reminder:1', 'sent', 1],
      [`${task.id}:reminder:1:pager`, 'pager', '*', 'reminder:1', 'sent', 1],
    ]);
    expect(await heed.deliveries.hasDelivery(`${task.id}:reminder:1:pager`)).toBe(true);
    expect(await heed.deliveries.hasDelivery(`${task.id}:reminder:2:pager`)).toBe(false);
  });

  it('keeps per-recipient delivery state (attempts, error, provider reference) and only "sent" counts as delivered', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({ type: 'approval', title: 'x', assignees: ['user:alice'] });
    const base = {
      key: `${task.id}:created:0:email:alice@example.com`,
      taskId: task.id,
      channel: 'email',
      recipient: 'user:alice',
      event: 'created:0',
    };
    await heed.deliveries.putDelivery(
      { ...base, status: 'pending', attempts: 1, error: 'ECONNREFUSED', ref: null },
      10,
    );
    expect(await heed.deliveries.hasDelivery(base.key)).toBe(false);
    await heed.deliveries.putDelivery(
      { ...base, status: 'sent', attempts: 2, error: null, ref: '{"messageId":"<m@x>"}' },
      20,
    );
    expect(await heed.deliveries.hasDelivery(base.key)).toBe(true);
    expect(await heed.deliveries.getDelivery(base.key)).toMatchObject({
      status: 'sent',
      attempts: 2,
      error: null,
      ref: '{"messageId":"<m@x>"}',
      createdAt: 10,
      updatedAt: 20,
    });
  });

  it('keeps outbox messages newest first and replaces one by id', async () => {
    const { heed } = testEngine();
    await heed.start();
    const m = { taskId: 't', channel: 'email', recipient: 'user:a', address: 'a@x' };
    await heed.deliveries.putOutbox({ ...m, id: 'one', message: '{"v":1}' }, 1);
    await heed.deliveries.putOutbox({ ...m, id: 'two', message: '{"v":1}' }, 2);
    await heed.deliveries.putOutbox({ ...m, id: 'one', message: '{"v":2}' }, 3);
    const list = await heed.deliveries.listOutbox(10);
    expect(list.map((r) => [r.id, r.message])).toEqual([
      ['two', '{"v":1}'],
      ['one', '{"v":2}'],
    ]);
    expect((await heed.deliveries.getOutbox('one'))?.updatedAt).toBe(3);
  });
});
