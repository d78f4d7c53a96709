import type { UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { supersededTries, TurnTranslator } from '../../src/chat/turn-stream.ts';
import type { RunEvent } from '../../src/store/store.ts';
import { testEngine } from '../helpers.ts';

let id = 0;
const event = (type: string, data: unknown): RunEvent => ({ id: ++id, runId: 'turn', type, data, at: 0 });
const progress = (seq: number, attempt: string, data: unknown) =>
  event('progress', { step: 'llm:1', seq, try: attempt, data });

async function translate(translator: TurnTranslator, events: RunEvent[]): Promise<UIMessageChunk[]> {
  const chunks: UIMessageChunk[] = [];
  for (const e of events) chunks.push(...(await translator.translate(e)));
  return chunks;
}

describe('a turn run’s events as UI message chunks', () => {
  it('replays only the last try of a model call that was cut short and tried again', async () => {
    const events = [
      progress(2, '1.1', { type: 'text-start', id: 't' }),
      progress(2, '1.1', { type: 'text-delta', id: 't', delta: 'Transfe' }),
      // The worker died here; another took the run over (lease 2) and called the model again.
      progress(2, '2.1', { type: 'text-start', id: 't' }),
      progress(2, '2.1', { type: 'text-delta', id: 't', delta: 'Transferred' }),
      progress(2, '2.1', { type: 'text-delta', id: 't', delta: ' $50.' }),
      progress(2, '2.1', { type: 'text-end', id: 't' }),
      event('status', { key: 'output', value: 'Transferred $50.' }),
    ];
    const chunks = await translate(new TurnTranslator(async () => undefined, supersededTries(events)), events);
    expect(chunks).toEqual([
      { type: 'text-start', id: '2.2.1.t' },
      { type: 'text-delta', id: '2.2.1.t', delta: 'Transferred' },
      { type: 'text-delta', id: '2.2.1.t', delta: ' $50.' },
      { type: 'text-end', id: '2.2.1.t' },
    ]);
  });

  it('says a non-streaming workflow’s output whole, asks for approval with the task id, and knows when the turn waits for a person', async () => {
    const { heed } = testEngine();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Transfer $150 to Bob?',
      assignees: ['user:alice'],
      requester: 'user:carol',
      metadata: { toolCallId: 'call_1' },
    });
    const translator = new TurnTranslator((taskId) => heed.tasks.get(taskId));
    const asked = await translate(translator, [
      progress(1, '1.1', {
        type: 'tool-input-available',
        toolCallId: 'call_1',
        toolName: 'transfer',
        input: {},
        title: 'Transfer money',
      }),
      event('task.created', { taskId: task.id }),
    ]);
    expect(translator.waitingForPerson).toBe(true);
    expect(asked.map((c) => c.type)).toEqual(['tool-input-available', 'data-task', 'tool-approval-request']);
    expect(asked[2]).toEqual({ type: 'tool-approval-request', approvalId: task.id, toolCallId: 'call_1' });
    expect((asked[1] as { data: unknown }).data).toMatchObject({
      state: 'waiting',
      asked: [{ principal: 'user:alice', name: 'Alice' }],
      requester: { principal: 'user:carol', name: 'Carol' },
    });
    await heed.tasks.respond(task.id, { outcome: 'reject', comment: 'No' }, { principal: 'user:alice', via: 'slack' });
    const decided = await translate(translator, [
      event('task.ended', { taskId: task.id }),
      event('status', { key: 'chat', value: { type: 'tool-output-denied', toolCallId: 'call_1' } }),
      event('status', { key: 'output', value: 'Not done.' }),
      event('run.succeeded', { output: null }),
    ]);
    expect(translator.waitingForPerson).toBe(false);
    expect((decided[0] as { data: unknown }).data).toMatchObject({
      state: 'rejected',
      via: 'slack',
      comment: 'No',
      decidedBy: { name: 'Alice' },
    });
    expect(decided.slice(1).map((c) => c.type)).toEqual(['tool-output-denied', 'text-start', 'text-delta', 'text-end']);
  });
});
