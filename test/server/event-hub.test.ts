/**
 * The event hub fans a run's events out to every SSE connection following it without a store
 * read per connection (from memory when the store announces the events themselves, else one read
 * per run shared by its connections), and still gives every connection every event in order: a
 * late or reconnecting one (Last-Event-ID), and events another process wrote in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { EventHub } from '../../src/server/event-hub.ts';
import { followRun } from '../../src/server/run-feed.ts';
import { startServer } from '../../src/server/serve.ts';
import type { RunEvent } from '../../src/store/store.ts';
import { TEST_STORE, testEngine } from '../helpers.ts';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Counts the `runEvents` reads of the heed's store, whoever makes them. */
function counting(heed: Heed): { reads: () => number } {
  const feeds = heed.feeds;
  const original = feeds.runEvents.bind(feeds);
  let reads = 0;
  feeds.runEvents = (...args) => {
    reads++;
    return original(...args);
  };
  return { reads: () => reads };
}

/** Follows `runId` with `followRun` until it ends; resolves with the events sent. */
function follow(heed: Heed, hub: EventHub, runId: string, after = 0): Promise<RunEvent[]> {
  const sent: RunEvent[] = [];
  const stream = { aborted: false, onAbort: () => {} };
  return followRun(heed, hub, runId, after, stream, async (event) => {
    sent.push(event);
  }).then(() => sent);
}

/** A workflow that waits for "go", then publishes `steps` statuses and ends. */
function stepper(heed: Heed, steps: number): void {
  heed.workflow('stepper', async (ctx) => {
    await ctx.recv('go');
    for (let i = 0; i < steps; i++) await ctx.setStatus('step', i);
    return 'done';
  });
}

describe('the event hub', () => {
  it('gives 50 connections of one run every event in order, without a read per connection', async () => {
    const { heed } = testEngine();
    stepper(heed, 5);
    await heed.start();
    const { reads } = counting(heed);
    const hub = new EventHub(heed.feeds, 3_600_000);
    await hub.start();
    stops.push(() => hub.stop());
    const run = await heed.startWorkflow('stepper', null, { id: 'fan' });
    await heed.idle();

    const followers = Array.from({ length: 50 }, () => follow(heed, hub, run.id));
    // Every connection has made its first read (at most one each) before the run goes on.
    for (let i = 0; i < 100 && reads() < 1; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const connectReads = reads();
    expect(connectReads).toBeLessThanOrEqual(50);
    await heed.send(run.id, 'go', true);
    const received = await Promise.all(followers);
    const wakeReads = reads() - connectReads;

    const all = await heed.feeds.runEvents(0, 1000, run.id);
    expect(all.map((e) => e.type)).toEqual([...Array(5).fill('status'), 'run.succeeded']);
    for (const events of received) expect(events).toEqual(all);
    // The wake-ups (6 events, 50 connections) cost a few reads for the whole run, not one per
    // connection and event (300): none where the store announces the events themselves (SQLite),
    // about one per notification where it announces ids only (PostgreSQL).
    expect(wakeReads).toBeLessThanOrEqual(TEST_STORE === 'sqlite' ? 0 : 12);

    // A late connection, and one reconnecting after the second event, get the rest from there.
    expect(await follow(heed, hub, run.id)).toEqual(all);
    expect(await follow(heed, hub, run.id, all[1]?.id)).toEqual(all.slice(2));
  });

  it("a stream still gets the events another process wrote between this process's own", async () => {
    const { heed, reopen } = testEngine({ pollInterval: '20ms' });
    heed.workflow('asker', async (ctx) => {
      await ctx.setStatus('phase', 'asking');
      const answer = await ctx.ask({ type: 'approval', title: 'Pay the invoice', assignees: ['user:bob'] });
      await ctx.setStatus('phase', answer.outcome);
      return answer.outcome;
    });
    // The fallback poll is off (an hour): only the pushed events and the gap check can deliver.
    const server = await startServer(heed, { port: 0, feedPollInterval: '1h' });
    stops.push(() => server.close());
    const run = await heed.startWorkflow('asker', null, { id: 'two-processes' });
    await heed.idle();

    const response = await fetch(`${server.url}/v1/runs/${run.id}/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: task.created')) text += decoder.decode((await reader.read()).value);

    // Another process (a second Heed on the same store, its own change port) answers: its
    // `task.ended` event is never announced to this process.
    const other = reopen({ pollInterval: '20ms' });
    stops.push(() => other.stop({ grace: 0 }));
    const task = (await other.tasks.list({ limit: 10 })).items[0];
    await other.tasks.respond(task?.id as string, { outcome: 'approve' }, { principal: 'user:bob' });

    // This process resumes the run (its poll finds the answer) and announces its own events.
    while (!text.includes('event: run.succeeded')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    const stored = (await heed.feeds.runEvents(0, 1000, run.id)).map((e) => e.type);
    expect(types).toEqual(stored);
    expect(types).toContain('task.ended');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
