/**
 * A promise that calls `onAwaited` the first time anything subscribes to it: `await`, `then`,
 * `catch`, `finally`, or `Promise.all`/`race`/`allSettled`/`any` (which call `then`). The engine
 * hands these out for `ctx` operations, to tell an operation the workflow code waits on from one
 * it has merely started (see the replay's stall rule in `Execution`).
 *
 * It settles exactly as `promise` does. Promises derived from it (`then`, `catch`, `finally`) are
 * plain promises: only the first subscription matters.
 */
export function awaited<T>(promise: Promise<T>, onAwaited: () => void): Promise<T> {
  return new AwaitedPromise(promise, onAwaited);
}

class AwaitedPromise<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #onAwaited: (() => void) | undefined;

  constructor(promise: Promise<T>, onAwaited: () => void) {
    super((resolve, reject) => {
      promise.then(resolve, reject);
    });
    this.#onAwaited = onAwaited;
  }

  // `await` calls `then` too: a native promise of another constructor is adopted through it.
  // biome-ignore lint/suspicious/noThenProperty: a promise subclass, thenable on purpose, to see who subscribes
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const notify = this.#onAwaited;
    this.#onAwaited = undefined;
    notify?.();
    return super.then(onfulfilled, onrejected);
  }
}
