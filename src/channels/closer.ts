import { FeedFollower } from '../feeds/feed-follower.ts';
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
  readonly #follower: FeedFollower;

  constructor(heed: Heed, close: (taskId: string) => Promise<void>, options: { fallbackPollMs?: number } = {}) {
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
    this.#follower = new FeedFollower(heed.feeds, {
      cursorKey: CURSOR,
      wakesOn: (change) => change.kind === 'run-event' && internalRunKey('task', change.runId) !== undefined,
      onEvent: (event) => this.#onEvent(event),
      pollMs: options.fallbackPollMs ?? 5_000,
      batch: 500,
      label: 'channel close',
    });
  }

  /**
   * Starts following the feed: at once on every announced change of a task's run, and every
   * 5 s for changes no notification reaches.
   */
  start(): Promise<void> {
    return this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
  }

  /** Reads new events and starts the closing runs (once more if news came meanwhile). Exposed for tests. */
  tick(): Promise<void> {
    return this.#follower.tick();
  }

  async #onEvent(event: RunEvent): Promise<void> {
    const taskId = endedTask(event);
    if (taskId)
      await this.#heed.startWorkflow(CLOSE_WORKFLOW, { taskId }, { id: internalRunId('channel-close', taskId) });
  }
}

function endedTask(event: RunEvent): string | undefined {
  const taskRun = internalRunKey('task', event.runId);
  if (taskRun === undefined) return undefined;
  if (event.type === 'task.ended') return (event.data as { taskId?: string } | null)?.taskId;
  if (event.type === 'run.cancelled') return taskRun;
  return undefined;
}
