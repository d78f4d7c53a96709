/**
 * How a wait resolves, once for both stores. A store looks up what the rule asks for
 * ({@link waitLookup}) under the run's lock, and the rule decides ({@link waitResult}):
 *
 * - `recv` takes the oldest unread message of its topic (taking it marks it read by the wait's
 *   position, so it is received once);
 * - `event` takes the event matched to the registered wait (an emit attached its id), or, for a
 *   new wait with a `lookback`, the oldest matching event within it that the run did not receive
 *   at another position;
 * - `child` takes the child's end (`succeeded`, `failed` or `cancelled`), and only that;
 * - otherwise `sleep` ends, and `recv` and `event` time out (`null`), once the deadline passed by
 *   this worker's clock or the wait was `fired` (by a timer on a clock that runs ahead).
 *
 * Both stores' TypeScript follows this module (`sqlite/waits.ts`, and `postgres/waits.ts` for
 * event and child waits). PostgreSQL also evaluates the rule inside SQL on its one-round-trip
 * paths (a batched `recv` or `sleep`, and the claim that resolves a woken run's waits): there the
 * rule is `sql/heed_wait_result.sql`, and the deadline and replay checks are in
 * `sql/heed_await_waits.sql`, which mirror this module line for line. Change one, change the
 * other: the store contract's "wait rules" cases pin the shared behaviour on both stores.
 */
import { NonDeterminismError } from '../errors.ts';
import { matchKey } from './event-match.ts';
import type { EventMatch } from './event-match.ts';
import type { EventRow, WaitRow } from './rows.ts';
import type { JsonText, WaitKind, WaitRequest } from './store.ts';

/** When a new wait times out (or, for `sleep`, ends): never for a child. */
export function deadlineOf(request: WaitRequest, now: number): number | null {
  switch (request.kind) {
    case 'sleep':
      return now + request.durationMs;
    case 'recv':
    case 'event':
      return request.timeoutMs === null ? null : now + request.timeoutMs;
    case 'child':
      return null;
  }
}

/** The fields that tell two waits apart, as the `waits` table holds them. */
export interface WaitShape {
  kind: string;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  child_id: string | null;
}

/** The shape a request registers. */
export function shapeOf(request: WaitRequest): WaitShape {
  return {
    kind: request.kind,
    topic: request.kind === 'recv' ? request.topic : null,
    event_name: request.kind === 'event' ? request.eventName : null,
    match_key: request.kind === 'event' ? matchKey(request.match) : null,
    child_id: request.kind === 'child' ? request.childId : null,
  };
}

/** The shape of a registered wait row. */
export function shapeOfRow(row: WaitShape): WaitShape {
  return {
    kind: row.kind,
    topic: row.topic,
    event_name: row.event_name,
    match_key: row.match_key,
    child_id: row.child_id,
  };
}

/**
 * A replay must ask for the wait registered at its position: the `NonDeterminismError` when
 * `request` is another one, else `undefined`.
 */
export function waitMismatch(
  runId: string,
  request: WaitRequest,
  registered: WaitShape,
): NonDeterminismError | undefined {
  const wanted = shapeOf(request);
  if (JSON.stringify(wanted) === JSON.stringify(shapeOfRow(registered))) return undefined;
  return new NonDeterminismError(
    `Run "${runId}": position ${request.seq} asks for ${describeWait(wanted)} but the run registered ${describeWait(registered)} there; the workflow code changed or is not deterministic`,
  );
}

/**
 * A wait asked at a position whose result is recorded already (PostgreSQL's claim resolves the
 * waits that hold; the record is the answer): the `NonDeterminismError` when the record is of
 * another operation, else `undefined`.
 */
export function recordMismatch(
  runId: string,
  request: WaitRequest,
  recorded: { kind: string; name: string },
): NonDeterminismError | undefined {
  if (recorded.kind === request.kind && recorded.name === request.name) return undefined;
  return new NonDeterminismError(
    `Run "${runId}": position ${request.seq} asks for ${request.kind} "${request.name}" but the run recorded ${recorded.kind} "${recorded.name}" there; the workflow code changed or is not deterministic`,
  );
}

function describeWait(wait: WaitShape): string {
  switch (wait.kind) {
    case 'recv':
      return `recv("${wait.topic}")`;
    case 'event':
      return `waitForEvent("${wait.event_name}", match ${wait.match_key})`;
    case 'child':
      return `the child run "${wait.child_id}"`;
    default:
      return 'sleep';
  }
}

/** What a store must look up (under the run's lock) before {@link waitResult} decides. */
export type WaitLookup =
  /** Take the oldest unread message of `topic` (mark it read by the wait's position). */
  | { kind: 'message'; topic: string }
  /** The event an emit attached to the registered wait. */
  | { kind: 'event'; eventId: number }
  /** The oldest event named `eventName` since `since` matching `match`, not received at another position. */
  | { kind: 'recentEvent'; eventName: string; match: EventMatch; since: number }
  /** The child run. */
  | { kind: 'child'; childId: string }
  /** Nothing: only the clock decides. */
  | { kind: 'none' };

/** The lookup for `request`, registered as `registered` (undefined: a new wait). */
export function waitLookup(
  request: WaitRequest,
  registered: Pick<WaitRow, 'event_id'> | undefined,
  now: number,
): WaitLookup {
  switch (request.kind) {
    case 'recv':
      return { kind: 'message', topic: request.topic };
    case 'event':
      if (registered?.event_id != null) return { kind: 'event', eventId: registered.event_id };
      // Lookback only when the wait is new: a registered one is matched by emits.
      if (!registered && request.lookbackMs > 0) {
        return {
          kind: 'recentEvent',
          eventName: request.eventName,
          match: request.match,
          since: now - request.lookbackMs,
        };
      }
      return { kind: 'none' };
    case 'child':
      return { kind: 'child', childId: request.childId };
    case 'sleep':
      return { kind: 'none' };
  }
}

/** What the lookup found (undefined: nothing). */
export type WaitFound =
  | { message: { body: JsonText } }
  | { event: EventRow }
  | { child: { status: string; output: JsonText; error: string | null } };

/** The recorded result of a ready wait (`null`: a sleep's, which has none), or not ready yet. */
export type WaitResult = { ready: true; output: JsonText } | { ready: false };

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * The rule: whether a wait of `kind` is ready, given what its lookup found and its timer
 * (`deadline` as registered, `fired` as marked by a timer), and what it records then. Mirrored in
 * SQL by `heed_wait_result` (see the module comment).
 */
export function waitResult(
  kind: WaitKind,
  found: WaitFound | undefined,
  timer: { deadline: number | null; fired: boolean },
  now: number,
): WaitResult {
  if (found && 'message' in found) return { ready: true, output: messageOutput(found.message.body) };
  if (found && 'event' in found) return { ready: true, output: eventOutput(found.event) };
  if (found && 'child' in found && ENDED.has(found.child.status)) {
    const { status, output, error } = found.child;
    return { ready: true, output: JSON.stringify({ status, output, error }) };
  }
  // A child wait ends with the child only (it has no timer; `fired` means the child ended).
  if (kind === 'child') return { ready: false };
  if ((timer.deadline !== null && timer.deadline <= now) || timer.fired) {
    return { ready: true, output: kind === 'sleep' ? null : 'null' };
  }
  return { ready: false };
}

/** What `recv` records: `{message}`. */
function messageOutput(body: JsonText): string {
  return JSON.stringify({ message: body === null ? null : JSON.parse(body) });
}

/** What `waitForEvent` records (and returns): the event's id, name, data and time. */
export function eventOutput(row: EventRow): string {
  return JSON.stringify({
    id: row.id,
    name: row.name,
    data: row.data === null ? null : JSON.parse(row.data),
    at: row.created_at,
  });
}
