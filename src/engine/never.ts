/**
 * A promise that never settles. A suspended run's pending operations return it: the workflow's
 * async frames then hang on nothing, are unreachable, and are garbage-collected. No user code
 * runs after a run suspends.
 */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
