/**
 * A store whose every method call is timed into {@link Telemetry.storeCall}: a `Proxy` that
 * forwards each call to the real store (with the real store as `this`, so its private fields
 * work) and reports the call's latency and outcome when its promise settles. Properties that are
 * not functions (`changes`, `path`) pass through untouched. Adds two clock reads per call.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../store/store.ts';
import type { Telemetry } from './telemetry.ts';

/** Methods not timed (still called on the real store): opening and closing it. */
const UNTIMED = new Set<PropertyKey>(['init', 'close', 'constructor']);

export function timedStore<S extends Store>(store: S, telemetry: Telemetry): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let timed = wrapped.get(property);
      if (!timed && (UNTIMED.has(property) || typeof property !== 'string')) {
        timed = (value as (...a: unknown[]) => unknown).bind(target);
        wrapped.set(property, timed);
      }
      if (!timed) {
        timed = (...args: unknown[]) => {
          const start = performance.now();
          const report = (outcome: 'ok' | 'error') =>
            telemetry.storeCall(String(property), (performance.now() - start) / 1_000, outcome);
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            report('error');
            throw error;
          }
          if (result instanceof Promise) {
            return result.then(
              (settled) => {
                report('ok');
                return settled;
              },
              (error: unknown) => {
                report('error');
                throw error;
              },
            );
          }
          report('ok');
          return result;
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}
