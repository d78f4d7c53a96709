import type { Heed } from '../human/heed.ts';
import { internalRunId, internalRunKey } from '../run-ids.ts';
import type { RunEvent } from '../store/store.ts';

const CURSOR = 'channels.close-cursor';
export const CLOSE_WORKFLOW = 'heed.channel-close';

/**
 * Closes a task's channel copies whenever it ends, by any path (an answer from the inbox, a link,
 * Slack, the CLI or HTTP; the deadline; a cancel, also of the asking run). Follows the run event
 * feed (`task.ended`, and `run.cancelled` of a task's own run) with a stored cursor, and starts
 * one durable closing run per task (`channel-close:<task>`), so a restart neither loses nor
 * repeats a close.
 *
 * The feed is read when the store announces news of a task's run on its change port (pushed:
 * this process's writes, and other processes' where the port carries them, e.g. PostgreSQL);
 * a slow poll is the fallback for writes no notification reaches.
 */
export class TaskCloser {
  readonly #heed: Heed;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #busy = false;
  /** News came while a tick was running: read the feed once more after it. */
  #again = false;

  constructor(heed: Heed, close: (taskId: string) => Promise<void>) {
    this.#heed = heed;
    heed.workflow(
      CLOSE_WORKFLOW,
      async (ctx, input: { taskId: string }) => {
        await ctx.step('close', () => close(input.taskId), {
          retries: 8,
          backoff: { initial: '2s', factor: 3, max: '10m' },
        });
      },
      { internal: true },
    );
  }

  /**
   * Starts following the feed: at once on every announced change of a task's run, and every
   * `fallbackPollMs` (default 5 s) for changes no notification reaches.
   */
  async start(fallbackPollMs = 5_000): Promise<void> {
    const store = this.#heed.feeds;
    if ((await store.getSetting(CURSOR)) === undefined) {
      await store.setSetting(CURSOR, String(await store.lastRunEventId()));
    }
    this.#unsubscribe = store.changes.subscribe((change) => {
      if (change.kind === 'run-event' && internalRunKey('task', change.runId) !== undefined) void this.tick();
    });
    this.#timer = setInterval(() => void this.tick(), fallbackPollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Reads new events and starts the closing runs (once more if news came meanwhile). Exposed for tests. */
  async tick(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#again = false;
        await this.#read();
      } while (this.#again);
    } finally {
      this.#busy = false;
    }
  }

  async #read(): Promise<void> {
    const store = this.#heed.feeds;
    try {
      for (;;) {
        const cursor = Number((await store.getSetting(CURSOR)) ?? 0);
        const events = await store.runEvents(cursor, 500);
        if (events.length === 0) return;
        for (const event of events) {
          const taskId = endedTask(event);
          if (taskId) {
            await this.#heed.startWorkflow(CLOSE_WORKFLOW, { taskId }, { id: internalRunId('channel-close', taskId) });
          }
        }
        await store.setSetting(CURSOR, String(events.at(-1)?.id ?? cursor));
        if (events.length < 500) return;
      }
    } catch (error) {
      if ((error as { code?: string }).code !== 'CLOSED') console.error('[heed] channel close failed', error);
    }
  }
}

function endedTask(event: RunEvent): string | undefined {
  const taskRun = internalRunKey('task', event.runId);
  if (taskRun === undefined) return undefined;
  if (event.type === 'task.ended') return (event.data as { taskId?: string } | null)?.taskId;
  if (event.type === 'run.cancelled') return taskRun;
  return undefined;
}
