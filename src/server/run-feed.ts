import type { Heed } from '../human/heed.ts';
import type { RunEvent } from '../store/store.ts';
import type { EventHub } from './event-hub.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The part of an SSE stream the feed needs. */
interface Stream {
  readonly aborted: boolean;
  onAbort(listener: () => void): void;
}

/**
 * Follows a run's event feed from `after`: hands every event written so far to `send`, page by
 * page, then waits for news from the hub, until the run has ended (whether it had ended is read
 * before the events, so none is lost) or the client leaves. `onQuiet` runs after each wait that
 * brought nothing (for keep-alives).
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
  let last = after;
  for (;;) {
    const ended = TERMINAL.has((await heed.runs.get(runId))?.status ?? 'cancelled');
    for (;;) {
      const page = await heed.store.runEvents(last, 500, runId);
      for (const event of page) {
        last = event.id;
        await send(event);
      }
      if (page.length < 500 || stream.aborted) break;
    }
    if (ended || stream.aborted) return;
    await Promise.race([hub.waitFor(runId, 15_000), aborted]);
    if (stream.aborted) return;
    await onQuiet?.();
  }
}
