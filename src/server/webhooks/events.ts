import { InvalidArgumentError } from '../../errors.ts';

/**
 * The events Heed sends as webhooks, and all of them: task events (to a task's `callbackUrl`
 * and the configured endpoints) and the end of runs. Statuses and streamed output (`status`,
 * `progress`: every model token of an agent) stay on the run's SSE feed; a durable delivery
 * each would flood receivers and the store.
 */
export const WEBHOOK_EVENTS = [
  ['task.created', 'A task was created (to its callbackUrl and the configured endpoints)'],
  ['task.escalated', 'A task escalated to its next level'],
  ['task.ended', 'A task was resolved, expired or cancelled'],
  ['run.succeeded', 'A run succeeded'],
  ['run.failed', 'A run failed'],
  ['run.cancelled', 'A run was cancelled'],
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number][0];

const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENTS.map(([type]) => type));

/** Whether a run event of this type is sent as a webhook at all. */
export function isWebhookEvent(type: string): type is WebhookEventType {
  return TYPES.has(type);
}

/**
 * The event types an endpoint gets: those it lists, or every webhook event when it lists none.
 * @throws InvalidArgumentError naming a listed type that is not a webhook event
 */
export function endpointEvents(events: readonly string[] | undefined): ReadonlySet<string> {
  if (events === undefined) return TYPES;
  const unknown = events.filter((type) => !TYPES.has(type));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `webhooks: unknown event type ${unknown.map((t) => JSON.stringify(t)).join(', ')}; ` +
        `the events are ${[...TYPES].join(', ')}`,
    );
  }
  return new Set(events);
}
