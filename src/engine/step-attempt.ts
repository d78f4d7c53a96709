import { StepTimeoutError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import type { StepContext } from './context.ts';

export interface AttemptOptions {
  name: string;
  attempt: number;
  idempotencyKey: string;
  timeoutMs: number | undefined;
  clock: Clock;
  /** The execution's signal: aborting it aborts the try (cancellation, shutdown). */
  signal: AbortSignal;
  /** Writes a progress event of this try (see `StepContext.progress`). */
  progress(data: unknown): Promise<boolean>;
}

/**
 * One try of a step body. Rejects with whatever the body throws, or with `StepTimeoutError`
 * after `timeoutMs` (the body's signal is aborted then; a body that ignores its signal keeps
 * running in the background, but its result is discarded).
 */
export async function attemptStep<T>(fn: (step: StepContext) => Promise<T> | T, options: AttemptOptions): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let cancelTimer: (() => void) | undefined;
  try {
    const context: StepContext = {
      signal: controller.signal,
      attempt: options.attempt,
      idempotencyKey: options.idempotencyKey,
      progress: options.progress,
    };
    const work = Promise.resolve().then(() => fn(context));
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return await work;
    const timeout = new Promise<never>((_, reject) => {
      cancelTimer = options.clock.setTimer(timeoutMs, () => {
        const error = new StepTimeoutError(options.name, timeoutMs);
        controller.abort(error);
        reject(error);
      });
    });
    return await Promise.race([work, timeout]);
  } finally {
    cancelTimer?.();
    options.signal.removeEventListener('abort', onAbort);
  }
}

/** Waits `ms` on the clock, or less if `signal` aborts first. Never rejects. */
export function abortableDelay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      cancel();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const cancel = clock.setTimer(ms, finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}
