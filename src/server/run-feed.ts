import type { Heed } from '../human/heed.ts';
import type { RunEvent } from '../store/store.ts';
import type { EventHub } from './event-hub.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const END_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);
/** How long a quiet stream waits before `onQuiet` (a keep-alive comment). */
const KEEP_ALIVE_MS = 15_000;

/** The part of an SSE stream the feed needs. */
interface Stream {
  readonly aborted: boolean;
  onAbort(listener: () => void): void;
}

/**
 * Follows a run's event feed from `after`: hands every event written so far to `send`, page by
 * page, then waits for news from the hub, until the run has ended (whether it had ended is read
 * before the events, so none is lost) or the client leaves. `onQuiet` runs after each wait that
 * brought nothing (for keep-alives). News is pushed by the hub (see `EventHub`), so an event
 * reaches the client as soon as it commits, and the events themselves come from the hub's memory
 * (see `EventHub.events`): no store read per connection for what the hub already has.
 */
export async function followRun(
  heed: Heed,
  hub: EventHub,
  runId: string,
  after: number,
  stream: Stream,
  send: (event: RunEvent) => Promise<void>,
  onQuiet?: () => Promise<void>,
): Promise<void> {
  const aborted = new Promise<null>((resolve) => stream.onAbort(() => resolve(null)));
  // Watch before the first read: news written between a read and the wait is kept in the watch.
  const watch = hub.watch(runId);
  let last = after;
  // The run's status is read (before the events, so that none is lost) on the first pass, after
  // an event that ends a run, and after a quiet wait; a wake-up by news reads the events only.
  let checkEnd = true;
  try {
    for (;;) {
      const ended = checkEnd && TERMINAL.has((await heed.feeds.getRun(runId))?.status ?? 'cancelled');
      let lastType: string | undefined;
      for (;;) {
        // From the hub's memory when it has followed the run without a gap, else one store read.
        const page = await hub.events(runId, last, 500);
        for (const event of page) {
          last = event.id;
          lastType = event.type;
          await send(event);
        }
        if (page.length < 500 || stream.aborted) break;
      }
      // A run that succeeded is never resumed: nothing follows its end, no need to confirm it.
      if (ended || stream.aborted || lastType === 'run.succeeded') return;
      if (lastType !== undefined && END_EVENTS.has(lastType)) {
        checkEnd = true; // probably ended: confirm (a resumed run goes on)
        continue;
      }
      const news = await Promise.race([watch.wait(KEEP_ALIVE_MS), aborted]);
      if (stream.aborted) return;
      checkEnd = !news;
      if (!news) await onQuiet?.();
    }
  } finally {
    watch.close();
  }
}
