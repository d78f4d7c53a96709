import { StreamResponse } from '@a2a-js/sdk';
import { FeedFollower } from '../feeds/feed-follower.ts';
import type { Heed } from '../human/heed.ts';
import type { RunEvent } from '../store/store.ts';
import { PushConfigs, type StoredPushConfig } from './push-configs.ts';
import { isFinal, loadSnapshot, statusOf, toA2ATask } from './view.ts';
import { a2aRunId, a2aTaskIdOf } from './workflow.ts';

const CURSOR = 'a2a.push.cursor';
/** The events that change an A2A task's state: a person asked or escalated to, the task's end. */
const ASKED = new Set(['task.created', 'task.escalated']);
const ENDED = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

/** One push notification to send: a signed POST of `body` (the server's delivery runs do it). */
export interface PushDelivery {
  /** Stable per event and config: the `webhook-id`, and the delivery run's key. */
  id: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  at: number;
}

/**
 * A2A push notifications: follows the run event feed (its cursor stored, like the webhook
 * dispatcher's) and, for each change of an A2A task's state (a person asked, an escalation, the
 * end), POSTs the task's state to each of its push configs: a status update while it waits, the
 * whole task (with the decision) at the end. Each POST is a durable, signed webhook delivery
 * (`deliver`: Standard Webhooks signature with the callback secret, retried, the same SSRF rules
 * as task callbacks), with the config's token in `X-A2A-Notification-Token`. A restart resumes
 * from the cursor: no change is lost, none is sent twice (beyond a delivery's own retries).
 */
export class PushDispatcher {
  readonly #heed: Heed;
  readonly #configs: PushConfigs;
  readonly #deliver: (delivery: PushDelivery) => Promise<void>;
  readonly #follower: FeedFollower;

  constructor(heed: Heed, deliver: (delivery: PushDelivery) => Promise<void>, options: { pollMs?: number } = {}) {
    this.#heed = heed;
    this.#configs = new PushConfigs(heed.feeds);
    this.#deliver = deliver;
    this.#follower = new FeedFollower(heed.feeds, {
      cursorKey: CURSOR,
      wakesOn: (change) => change.kind === 'run-event' && change.runId.startsWith('a2a:'),
      onEvent: (event) => this.#dispatch(event),
      pollMs: options.pollMs ?? 1000,
      label: 'A2A push dispatch',
    });
  }

  /** Follows from the feed's end on first start (see `FeedFollower`). */
  start(): Promise<void> {
    return this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
  }

  /** Reads new events and starts their deliveries. */
  tick(): Promise<void> {
    return this.#follower.tick();
  }

  async #dispatch(event: RunEvent): Promise<void> {
    const taskId = a2aTaskIdOf(event.runId);
    if (taskId === undefined) return;
    const ended = ENDED.has(event.type) && event.runId === a2aRunId(taskId);
    if (!ended && !ASKED.has(event.type)) return;
    const configs = await this.#configs.list(taskId);
    if (configs.length === 0) return;
    const snapshot = await loadSnapshot(this.#heed, taskId);
    if (!snapshot) return;
    const status = statusOf(snapshot);
    // A change seen after the task ended is told by the end's own notification.
    if (!ended && isFinal(status.state)) return;
    const response: StreamResponse = ended
      ? { payload: { $case: 'task', value: toA2ATask(snapshot) } }
      : {
          payload: {
            $case: 'statusUpdate',
            value: { taskId, contextId: snapshot.input.contextId, status, metadata: {} },
          },
        };
    const body = JSON.stringify(StreamResponse.toJSON(response));
    for (const config of configs) {
      await this.#deliver({
        id: `a2a_${event.id}_${config.id}`,
        url: config.url,
        body,
        headers: headersOf(config),
        at: event.at,
      });
    }
  }
}

function headersOf(config: StoredPushConfig): Record<string, string> {
  return {
    'content-type': 'application/a2a+json',
    ...(config.token ? { 'x-a2a-notification-token': config.token } : {}),
    ...(config.authentication
      ? { authorization: `${config.authentication.scheme} ${config.authentication.credentials}` }
      : {}),
  };
}
