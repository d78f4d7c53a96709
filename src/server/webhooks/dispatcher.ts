import { FeedFollower } from '../../feeds/feed-follower.ts';
import type { Heed } from '../../human/heed.ts';
import { internalNamespaceOf, internalRunId } from '../../run-ids.ts';
import type { RunEvent } from '../../store/store.ts';
import { DELIVERY_WORKFLOW, type DeliveryInput, registerDelivery, type WebhookEndpoint } from './delivery.ts';
import { endpointEvents, isWebhookEvent } from './events.ts';

const CURSOR = 'webhooks.cursor';

export interface WebhookOptions {
  endpoints?: readonly WebhookEndpoint[];
  /** Signs deliveries to tasks' `callbackUrl` (Standard Webhooks secret). Without it callbacks are not sent. */
  callbackSecret?: string;
  /**
   * The fallback read of the event feed (ms, default 1000). New events are read when the store
   * announces them (its `changes` port); the poll only catches what an announcement missed.
   */
  pollMs?: number;
  /** Deliver to tasks' `callbackUrl`s on loopback and private networks (default: refused at each attempt). */
  allowPrivateCallbacks?: boolean;
}

/**
 * Turns the run event feed into webhook deliveries: task events (of tasks' own runs) go to the
 * task's `callbackUrl` and to every endpoint; the ends of other runs go to every endpoint. Only
 * the webhook events of `events.ts` are sent (never statuses or streamed output), each endpoint
 * the ones it lists (default: all of them).
 * Each delivery is a durable run whose id is derived from the event and the destination, and the
 * feed cursor is stored: a restart resumes where it stopped and never delivers an event twice
 * (beyond the retries of one delivery).
 */
export class WebhookDispatcher {
  readonly #heed: Heed;
  readonly #endpoints: readonly WebhookEndpoint[];
  /** The event types each endpoint gets (by index). */
  readonly #events: readonly ReadonlySet<string>[];
  readonly #options: WebhookOptions;
  readonly #follower: FeedFollower;

  /** @throws InvalidArgumentError when an endpoint lists an event type that is not a webhook event */
  constructor(heed: Heed, options: WebhookOptions) {
    this.#heed = heed;
    this.#endpoints = options.endpoints ?? [];
    this.#events = this.#endpoints.map((endpoint) => endpointEvents(endpoint.events));
    this.#options = options;
    this.#follower = new FeedFollower(heed.feeds, {
      cursorKey: CURSOR,
      wakesOn: (change) => change.kind === 'run-event',
      onEvent: (event) => this.#dispatch(event),
      pollMs: options.pollMs ?? 1000,
      label: 'webhook dispatch',
    });
    registerDelivery(
      heed,
      (signer) => (signer === 'callback' ? options.callbackSecret : this.#endpoints[Number(signer)]?.secret),
      { allowPrivateCallbacks: options.allowPrivateCallbacks ?? false },
    );
  }

  async start(): Promise<void> {
    // Nothing to deliver to: follow nothing, and start from now if webhooks are configured later.
    if (this.#endpoints.length === 0 && this.#options.callbackSecret === undefined) {
      await this.#follower.startFromNow(true);
      return;
    }
    await this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
  }

  /** Reads new events and starts their deliveries. Exposed for tests. */
  tick(): Promise<void> {
    return this.#follower.tick();
  }

  async #dispatch(event: RunEvent): Promise<void> {
    if (!isWebhookEvent(event.type)) return; // statuses and streamed output stay on the SSE feed
    const namespace = internalNamespaceOf(event.runId);
    // Deliveries do not announce themselves.
    if (namespace === 'webhook' || namespace === 'channel' || namespace === 'channel-close') return;
    // An A2A task's own run is told to its caller by push notifications; its workflow's run is not.
    if (namespace === 'a2a' && !event.runId.endsWith(':workflow')) return;
    const isTaskRun = namespace === 'task';
    const isTaskEvent = event.type.startsWith('task.');
    if (isTaskEvent !== isTaskRun) return; // task events also appear on the asking run: send once
    const deliveries: Omit<DeliveryInput, 'type' | 'data' | 'at'>[] = [];
    this.#endpoints.forEach((endpoint, i) => {
      if (this.#events[i]?.has(event.type)) {
        deliveries.push({ id: `evt_${event.id}_${i}`, url: endpoint.url, signer: String(i) });
      }
    });
    if (isTaskEvent && this.#options.callbackSecret) {
      const taskId = (event.data as { taskId?: string } | null)?.taskId;
      const task = taskId ? await this.#heed.tasks.get(taskId) : undefined;
      if (task?.callbackUrl)
        deliveries.push({ id: `evt_${event.id}_callback`, url: task.callbackUrl, signer: 'callback' });
    }
    for (const delivery of deliveries) {
      await this.#heed.startWorkflow(
        DELIVERY_WORKFLOW,
        { ...delivery, type: event.type, data: { runId: event.runId, ...(event.data as object) }, at: event.at },
        { id: internalRunId('webhook', delivery.id) },
      );
    }
  }
}
