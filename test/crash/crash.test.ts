/**
 * Crash recovery with real processes: a worker child is SIGKILLed mid-step, inside a step after
 * its side effect, and while suspended on recv / sleep / waitForEvent; a new worker on the same
 * SQLite file must finish every run with recorded steps not run again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectsOf, readEffects } from './effects.ts';
import { Sandbox, waitUntil } from './helpers.ts';

let box: Sandbox;

beforeEach(() => {
  box = new Sandbox();
});

afterEach(async () => {
  await box.dispose();
});

describe('crash recovery', () => {
  it('re-runs a step interrupted by SIGKILL, not the steps recorded before it', async () => {
    const first = await box.spawnWorker(['--block=b']);
    await first.startRun('pipeline', 'r1', { x: 1 });
    await first.waitForLine('STEP-BEGIN r1 b');
    expect(await box.recordedSteps('r1')).toEqual(['a']);

    await first.kill();
    const second = await box.spawnWorker();
    expect(await box.result('r1')).toBe('start>a1>b1>c1');

    const effects = readEffects(box.dir);
    // `a` was recorded before the kill: it ran once, in the first worker.
    expect(effectsOf(effects, 'r1', 'a').map((e) => [e.kind, e.pid])).toEqual([
      ['begin', first.pid],
      ['effect', first.pid],
    ]);
    // `b` was interrupted: it began in both workers and finished in the second.
    expect(effectsOf(effects, 'r1', 'b').map((e) => [e.kind, e.pid])).toEqual([
      ['begin', first.pid],
      ['begin', second.pid],
      ['effect', second.pid],
    ]);
    expect(effectsOf(effects, 'r1', 'c').map((e) => [e.kind, e.pid])).toEqual([
      ['begin', second.pid],
      ['effect', second.pid],
    ]);
    const run = await box.run('r1');
    expect(run.history.map((h) => h.name)).toEqual(['a', 'b', 'c']);
    expect(run.attempts).toBe(2);
  });

  it('re-runs a step whose process died after its side effect, with the same idempotency key', async () => {
    const first = await box.spawnWorker();
    first.send('start crashy r2');
    await first.waitForLine('CRASHING r2');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The charge happened but was never recorded: the run is still held by the dead worker.
    expect(await box.recordedSteps('r2')).toEqual(['reserve']);
    expect((await box.run('r2')).status).toBe('running');

    const second = await box.spawnWorker();
    const output = await box.result<{ charged: string }>('r2');

    const charges = effectsOf(readEffects(box.dir), 'r2', 'charge', 'effect');
    expect(charges.map((e) => e.pid)).toEqual([first.pid, second.pid]);
    // Same key both times: an external system can drop the second charge.
    expect(charges.map((e) => e.key)).toEqual(['r2:2', 'r2:2']);
    expect(charges.map((e) => e.data)).toEqual(['r2:2', 'r2:2']);
    expect(output).toEqual({ charged: 'r2:2' });
    const effects = readEffects(box.dir);
    expect(effectsOf(effects, 'r2', 'reserve', 'effect').map((e) => e.pid)).toEqual([first.pid]);
    expect(effectsOf(effects, 'r2', 'notify', 'effect').map((e) => e.pid)).toEqual([second.pid]);
  });

  it('delivers a message sent while the worker is dead, once, after a restart', async () => {
    const first = await box.spawnWorker();
    await first.startRun('inbox', 'r3');
    const waiting = await box.waitForStatus('r3', 'waiting');
    expect(waiting.waitingOn).toMatchObject([{ kind: 'recv', topic: 'reply' }]);
    await first.kill();

    const message = { text: 'approved' };
    expect(await box.client.send('r3', 'reply', message, { idempotencyKey: 'reply-1' })).toEqual({
      duplicate: false,
    });
    expect(await box.client.send('r3', 'reply', message, { idempotencyKey: 'reply-1' })).toEqual({
      duplicate: true,
    });
    // Woken in the store, but nobody executes it until a worker runs again.
    expect((await box.run('r3')).status).toBe('pending');

    const second = await box.spawnWorker();
    const output = await box.result('r3');
    // `extra` is the second recv on the topic: it timed out, the duplicate was never delivered.
    expect(output).toEqual({ reply: message, extra: null, handled: 'handled approved' });

    const run = await box.run('r3');
    expect(run.history.map((h) => [h.kind, h.name])).toEqual([
      ['step', 'prepare'],
      ['recv', 'reply'],
      ['recv', 'reply'],
      ['step', 'handle'],
    ]);
    const effects = readEffects(box.dir);
    expect(effectsOf(effects, 'r3', 'prepare', 'effect').map((e) => e.pid)).toEqual([first.pid]);
    expect(effectsOf(effects, 'r3', 'handle', 'effect').map((e) => e.pid)).toEqual([second.pid]);
  });

  it('finishes a durable sleep whose deadline passed while no worker was alive', async () => {
    const first = await box.spawnWorker();
    await first.startRun('napper', 'r4');
    const waiting = await box.waitForStatus('r4', 'waiting');
    const [wait] = waiting.waitingOn;
    expect(wait).toMatchObject({ kind: 'sleep' });
    const deadline = wait?.deadline;
    if (typeof deadline !== 'number') throw new Error(`sleep wait has no deadline: ${JSON.stringify(wait)}`);
    await first.kill();

    await waitUntil('the sleep deadline to pass', () => Date.now() > deadline + 50);
    // Nobody was alive to fire the timer: the run still waits.
    expect((await box.run('r4')).status).toBe('waiting');

    const second = await box.spawnWorker();
    expect(await box.result('r4')).toEqual({ woke: 'after' });
    const effects = readEffects(box.dir);
    expect(effectsOf(effects, 'r4', 'before', 'effect').map((e) => e.pid)).toEqual([first.pid]);
    expect(effectsOf(effects, 'r4', 'after', 'effect').map((e) => e.pid)).toEqual([second.pid]);
    expect((await box.run('r4')).history.map((h) => h.kind)).toEqual(['step', 'sleep', 'step']);
  });

  it('resumes a run on an event emitted while the worker was dead', async () => {
    const first = await box.spawnWorker();
    await first.startRun('ticket', 'r5', { ticketId: 'T-42' });
    const waiting = await box.waitForStatus('r5', 'waiting');
    expect(waiting.waitingOn).toMatchObject([{ kind: 'event', event: 'ticket.reply' }]);
    await first.kill();

    expect((await box.client.emit('ticket.reply', { ticketId: 'T-7', answer: 'not yours' })).woken).toBe(0);
    expect((await box.run('r5')).status).toBe('waiting');
    expect((await box.client.emit('ticket.reply', { ticketId: 'T-42', answer: 'fixed' })).woken).toBe(1);
    expect((await box.run('r5')).status).toBe('pending');

    const second = await box.spawnWorker();
    expect(await box.result('r5')).toEqual({
      name: 'ticket.reply',
      data: { ticketId: 'T-42', answer: 'fixed' },
    });
    const effects = readEffects(box.dir);
    expect(effectsOf(effects, 'r5', 'open', 'effect').map((e) => e.pid)).toEqual([first.pid]);
    expect(effectsOf(effects, 'r5', 'close', 'effect').map((e) => [e.pid, e.data])).toEqual([[second.pid, 'fixed']]);
  });
});
