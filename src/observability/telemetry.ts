/**
 * The telemetry port: what the engine, the task layer and the channels report as they work, for
 * metrics (`metrics.ts`). Layers call it; they never import a metrics library. Every method is
 * synchronous, cheap and never throws: reporting cannot fail or slow the work it describes.
 *
 * Each call reports something that *happened in this process* (a step ran here, a reminder was
 * sent from here): replaying a recorded step reports nothing, and several processes sharing one
 * store each report their own share, as Prometheus expects of counters.
 */

/** How a piece of work ended. */
export type Outcome = 'ok' | 'error';

export interface Telemetry {
  /** A step body ran (all its tries) and its result or failure was recorded. */
  stepRan(workflow: string, outcome: Outcome, seconds: number): void;
  /** An execution of a run ended: the run finished, suspended, was blocked or given up. */
  executionEnded(workflow: string, outcome: string): void;
  /** A task ended: answered, timed out or cancelled. `seconds` from its creation. */
  taskEnded(type: string, policy: string, outcome: string, seconds: number): void;
  /** A reminder or an escalation was applied to a pending task. */
  taskNudged(kind: 'reminder' | 'escalation', type: string): void;
  /** A notice could not be delivered on `channel` after its last attempt. */
  deliveryFailed(channel: string): void;
  /** One call to the store, timed. */
  storeCall(operation: string, seconds: number, outcome: Outcome): void;
}

/** Reports nothing. */
export const NO_TELEMETRY: Telemetry = {
  stepRan() {},
  executionEnded() {},
  taskEnded() {},
  taskNudged() {},
  deliveryFailed() {},
  storeCall() {},
};
