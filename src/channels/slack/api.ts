import { WebClient } from '@slack/web-api';
import type { Block } from './blocks.ts';

/** The metadata event type Heed tags its messages with (to find them again after a crash). */
export const NOTICE_EVENT = 'heed_notice';

/**
 * Slack's Web API through the official `@slack/web-api` client, pointed at `apiUrl` (Slack's,
 * or a local server speaking its wire protocol). The client's own retries are off: deliveries
 * are retried durably by Heed instead.
 */
/**
 * How long a call made inside Slack's own request may take: Slack wants the interaction answered
 * within 3 s (and a `trigger_id` expires after 3 s), so the modal must open well before that.
 */
export const INTERACTIVE_TIMEOUT_MS = 2_000;

export class SlackApi {
  readonly #client: WebClient;
  /** The same client with a timeout under Slack's 3 s, for calls made while Slack waits. */
  readonly #interactive: WebClient;

  constructor(token: string, apiUrl?: string) {
    const options = (timeout: number) => ({
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout,
    });
    this.#client = new WebClient(token, options(10_000));
    this.#interactive = new WebClient(token, options(INTERACTIVE_TIMEOUT_MS));
  }

  /** The DM channel with a user (`conversations.open`). */
  async dmChannel(user: string): Promise<string> {
    const opened = await this.#client.conversations.open({ users: user });
    const id = opened.channel?.id;
    if (!id) throw new Error(`conversations.open gave no channel for ${user}`);
    return id;
  }

  /**
   * A message Heed posted earlier for `key` (its metadata), or `undefined`: looks through the
   * channel's recent history, or the thread's replies. Used before re-posting after a crash.
   */
  async findPosted(channel: string, key: string, threadTs: string | null): Promise<string | undefined> {
    const result = threadTs
      ? await this.#client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
      : await this.#client.conversations.history({ channel, include_all_metadata: true, limit: 100 });
    const found = (result.messages ?? []).find(
      (m) =>
        m.metadata?.event_type === NOTICE_EVENT &&
        (m.metadata.event_payload as { key?: string } | undefined)?.key === key,
    );
    return found?.ts;
  }

  /** Posts a message (in a thread when `threadTs`), tagged with the delivery key. Returns its ts. */
  async post(message: {
    channel: string;
    text: string;
    blocks: Block[];
    threadTs: string | null;
    key: string;
  }): Promise<string> {
    const posted = await this.#client.chat.postMessage({
      channel: message.channel,
      text: message.text,
      blocks: message.blocks as never,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      metadata: { event_type: NOTICE_EVENT, event_payload: { key: message.key } },
      unfurl_links: false,
    });
    if (!posted.ts) throw new Error('chat.postMessage gave no ts');
    return posted.ts;
  }

  /** Replaces a message in place (`chat.update`). */
  async update(channel: string, ts: string, text: string, blocks: Block[]): Promise<void> {
    await this.#client.chat.update({ channel, ts, text, blocks: blocks as never });
  }

  /**
   * Opens a modal for a button press (`views.open`; the trigger is valid for 3 s), inside Slack's
   * request: gives up after {@link INTERACTIVE_TIMEOUT_MS}.
   * @throws the client's error (timeout, Slack's `{ok: false}`); nothing was opened.
   */
  async openModal(triggerId: string, view: Record<string, unknown>): Promise<void> {
    await this.#interactive.views.open({ trigger_id: triggerId, view: view as never });
  }

  /** A message only `user` sees (an answer refused, an unknown user). */
  async ephemeral(channel: string, user: string, text: string): Promise<void> {
    await this.#client.chat.postEphemeral({ channel, user, text });
  }
}
