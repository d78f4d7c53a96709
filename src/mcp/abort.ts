/**
 * Settles with `promise`, or with `fallback` as soon as `signal` aborts; the listener is removed
 * either way, so a loop that calls this many times on one signal does not pile listeners up.
 */
export async function untilAborted<T, F>(promise: Promise<T>, signal: AbortSignal, fallback: F): Promise<T | F> {
  if (signal.aborted) return fallback;
  let onAbort = () => {};
  const aborted = new Promise<F>((resolve) => {
    onAbort = () => resolve(fallback);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
