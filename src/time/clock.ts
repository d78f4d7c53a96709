/**
 * Time as the engine sees it. Injected so that tests can run an 8-hour escalation in
 * milliseconds with {@link VirtualClock}; production uses {@link SystemClock}.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` once, `delayMs` from now. Returns a function that cancels the call.
   * Timers are in-memory wake-ups only: durable timers live in the store.
   */
  setTimer(delayMs: number, fn: () => void): () => void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    // setTimeout overflows past 2^31-1 ms (~24.8 days); clamp and let the caller re-arm.
    const handle = setTimeout(fn, Math.min(Math.max(0, delayMs), 2_147_483_647));
    return () => clearTimeout(handle);
  }
}
