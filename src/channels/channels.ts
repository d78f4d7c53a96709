import type { Heed } from '../human/heed.ts';
import type { NoticeReceipt, Notification, NotificationKind, Notifier } from '../human/notifier.ts';
import { isPerson } from '../human/principals.ts';
import type { Task } from '../human/types.ts';
import { LinkSigner } from '../server/links.ts';
import type { DeliveryRecord, DeliveryWrite } from '../store/delivery-store.ts';
import { TaskCloser } from './closer.ts';
import type { ChannelsConfig } from './config.ts';
import {
  type AttemptResult,
  DELIVERY_WORKFLOW,
  type DeliveryInput,
  deliveryRunId,
  deliveryWorkflow,
} from './delivery.ts';
import { type Address, addressKey, People } from './directory/people.ts';
import { Mailer, messageIdOf } from './email/mailer.ts';
import { renderEmail } from './email/render.ts';
import { endedNegative, endedText, type NoticeContent, noticeContent } from './notice.ts';
import { SlackApi } from './slack/api.ts';
import { closedBlocks, openBlocks } from './slack/blocks.ts';
import { TeamsApi } from './teams/api.ts';
import { closedCard, openCard } from './teams/card.ts';

/** What a sent delivery's `ref` holds. */
interface SentRef {
  address: string;
  outbox?: true;
  messageId?: string;
  channel?: string;
  ts?: string;
  /** Teams: the conversation and the activity of the card. */
  conversation?: string;
  activityId?: string;
}

/** The channels Heed delivers notices on. */
export type DeliveryChannel = 'email' | 'slack' | 'teams';

export interface ChannelsOptions {
  /**
   * Called after a provider accepted a notice and before Heed records it as sent: the window a
   * crash can fall into. For tests and tracing; it must not throw.
   */
  onSent?: (input: DeliveryInput) => void;
}

const DAY = 86_400_000;

/**
 * Email, Slack and Microsoft Teams (DESIGN.md "Channels"; Teams: docs/teams.md): a notifier per channel for the human layer, durable
 * deliveries (one run per notice and address), the closing of every Slack copy when a task ends
 * and every Teams card when a task ends by any path, and the Slack and Teams endpoints. Without
 * SMTP or a Slack token, notices go to the local outbox (`/outbox`); without a Teams `appId`,
 * there is no Teams notifier.
 *
 * Make it before the `Heed` (its `notifiers` go into `new Heed({notifiers})`), then `attach` it
 * to that Heed before `heed.start()`.
 */
export class Channels {
  readonly config: ChannelsConfig;
  readonly people: People;
  readonly notifiers: readonly Notifier[];
  readonly mailer: Mailer | undefined;
  readonly slack: SlackApi | undefined;
  readonly teams: TeamsApi | undefined;
  readonly #options: ChannelsOptions;
  #heed: Heed | undefined;
  #signer: LinkSigner | undefined;
  #baseUrl: () => string = () => '';
  #closer: TaskCloser | undefined;

  constructor(config: ChannelsConfig, options: ChannelsOptions = {}) {
    this.config = config;
    this.people = new People(config);
    this.#options = options;
    this.mailer = config.email?.smtp
      ? new Mailer(config.email.smtp, config.email.from ?? 'Heed <heed@localhost>')
      : undefined;
    this.slack = config.slack?.token ? new SlackApi(config.slack.token, config.slack.apiUrl) : undefined;
    this.teams = config.teams?.appId ? new TeamsApi(config.teams) : undefined;
    const channels: DeliveryChannel[] = this.teams ? ['email', 'slack', 'teams'] : ['email', 'slack'];
    this.notifiers = channels.map((channel) => ({
      channel,
      notify: (notification: Notification) => this.#enqueue(channel, notification),
    }));
  }

  /** Whether a channel goes to the local outbox (nothing configured for it). */
  offline(channel: DeliveryChannel): boolean {
    if (channel === 'teams') return false;
    return channel === 'email' ? this.mailer === undefined : this.slack === undefined;
  }

  /** Registers the delivery and closing workflows on `heed`. Call before `heed.start()`. */
  attach(heed: Heed, options: { linkSecret: string; baseUrl: () => string }): void {
    this.#heed = heed;
    this.#signer = new LinkSigner(options.linkSecret);
    this.#baseUrl = options.baseUrl;
    heed.workflow(
      DELIVERY_WORKFLOW,
      deliveryWorkflow({ attempt: (i) => this.#attempt(i), giveUp: (i, e) => this.#giveUp(i, e) }),
      { internal: true },
    );
    this.#closer = new TaskCloser(heed, (taskId) => this.close(taskId));
  }

  /** Starts following task ends (to close Slack copies). Call after `heed.start()`. */
  async start(): Promise<void> {
    await this.#closer?.start();
  }

  stop(): void {
    this.#closer?.stop();
    this.mailer?.close();
  }

  get heed(): Heed {
    if (!this.#heed) throw new Error('Channels are not attached to a Heed: call channels.attach(heed, …)');
    return this.#heed;
  }

  /**
   * The notice as `recipient` sees it: one-click links signed for them, unless `links` is false or
   * the address is not one person's (a group's Slack channel, a group mailed at its own address):
   * links are signed for one person only, so such a notice points to the inbox instead.
   */
  notice(task: Task, kind: NotificationKind, address: Address, links = true): NoticeContent {
    const now = this.heed.clock.now();
    return noticeContent({
      task,
      kind,
      recipient: address.principal,
      people: this.people,
      now,
      baseUrl: this.#baseUrl(),
      link: (outcome) => {
        if (!links || !this.#signer || address.kind === 'slack-channel' || !isPerson(address.principal)) return null;
        const expiresAt = Math.max(task.deadline ?? now + 7 * DAY, now + 60_000);
        const token = this.#signer.sign({ taskId: task.id, principal: address.principal, outcome, expiresAt });
        return `${this.#baseUrl()}/t/${token}`;
      },
    });
  }

  /**
   * Closes every Slack and Teams copy of an ended task in place (outcome, who, via which channel;
   * no buttons), and the outbox's copies likewise. Idempotent (`chat.update`, Teams' activity
   * update, with the same content).
   * @throws the Slack or Teams error: the closing step is retried.
   */
  async close(taskId: string): Promise<void> {
    const task = await this.heed.tasks.get(taskId);
    if (!task || task.status === 'pending') return;
    const ended = endedText(task, this.people);
    for (const delivery of await this.heed.deliveries.taskDeliveries(taskId)) {
      await this.#closeCopy(task, delivery, ended, endedNegative(task));
    }
  }

  /**
   * After a reassignment: closes the Slack copies sent to people who are no longer asked ("Handed
   * to Bob Lee by Alice Doe: on leave"), the way an answer closes them all. Idempotent.
   */
  async #closeMoved(task: Task): Promise<void> {
    const asked = new Set(task.assignees.map((a) => a.principal));
    for (const address of this.people.resolve([...asked], 'slack', this.offline('slack'))) asked.add(address.principal);
    for (const address of this.people.resolve([...asked], 'teams')) asked.add(address.principal);
    const moves = (await this.heed.tasks.audit(task.id)).filter((e) => e.action === 'reassigned');
    const last = moves.at(-1);
    if (!last) return;
    const detail = last.detail as { to: string[]; reason: string };
    const to = detail.to.map((p) => this.people.name(p)).join(', ');
    const text = `Handed to ${to} by ${this.people.name(last.actor)}: ${detail.reason}`;
    for (const delivery of await this.heed.deliveries.taskDeliveries(task.id)) {
      if (!asked.has(delivery.recipient)) await this.#closeCopy(task, delivery, text, false);
    }
  }

  /** Replaces one sent Slack or Teams copy (or its outbox copy) with its closed form saying `ended`. */
  async #closeCopy(task: Task, delivery: DeliveryRecord, ended: string, negative: boolean): Promise<void> {
    if (delivery.status !== 'sent' || !delivery.ref) return;
    const ref = JSON.parse(delivery.ref) as SentRef;
    const kind = delivery.event.split(':')[0] as NotificationKind;
    if (delivery.channel === 'teams') {
      if (!this.teams || !ref.conversation || !ref.activityId) return;
      const address = { kind: 'teams-user' as const, principal: delivery.recipient, user: '' };
      const card = closedCard(this.notice(task, kind, address, false), ended, negative);
      await this.teams.update(
        { conversation: ref.conversation, activityId: ref.activityId },
        card,
        `${task.title}: ${ended}`,
      );
      return;
    }
    if (delivery.channel !== 'slack') return;
    const notice = this.notice(task, kind, { kind: 'slack-user', principal: delivery.recipient, user: '' }, false);
    const blocks = closedBlocks(notice, ended, negative);
    const text = `${task.title}: ${ended}`;
    if (ref.outbox) {
      const stored = await this.heed.deliveries.getOutbox(delivery.key);
      if (stored) {
        const message = { ...(JSON.parse(stored.message) as object), text, blocks, closed: ended };
        await this.heed.deliveries.putOutbox({ ...stored, message: JSON.stringify(message) }, this.heed.clock.now());
      }
    } else if (this.slack && ref.channel && ref.ts) {
      await this.slack.update(ref.channel, ref.ts, text, blocks);
    }
  }

  /**
   * The notifier's work: one durable delivery run per address (idempotent by key). Says when the
   * notices go to the local outbox (the channel is not configured).
   */
  async #enqueue(channel: DeliveryChannel, notification: Notification): Promise<NoticeReceipt> {
    const heed = this.heed;
    // Closes the moved Slack and Teams copies (idempotent: whichever notifier comes first does it).
    if (notification.kind === 'reassigned' && channel !== 'email') await this.#closeMoved(notification.task);
    const [, kind, index] = /:(created|reminder|escalated|reassigned):(\d+):[^:]+$/.exec(notification.key) ?? [];
    const addresses = this.people.resolve(notification.recipients, channel, this.offline(channel));
    for (const address of addresses) {
      const input: DeliveryInput = {
        key: `${notification.key}:${addressKey(address)}`,
        taskId: notification.task.id,
        channel,
        kind: (kind as NotificationKind | undefined) ?? notification.kind,
        index: Number(index ?? 0),
        address,
      };
      await heed.startWorkflow(DELIVERY_WORKFLOW, input, { id: deliveryRunId(input.key) });
    }
    return this.offline(channel) ? { outbox: true } : {};
  }

  async #attempt(input: DeliveryInput): Promise<AttemptResult> {
    const heed = this.heed;
    const store = heed.deliveries;
    const previous = await store.getDelivery(input.key);
    if (previous?.status === 'sent') return { done: true, status: 'sent' };
    const base = {
      key: input.key,
      taskId: input.taskId,
      channel: input.channel,
      recipient: input.address.principal,
      event: `${input.kind}:${input.index}`,
    };
    const put = (d: Omit<DeliveryWrite, keyof typeof base>) => store.putDelivery({ ...base, ...d }, heed.clock.now());
    const task = await heed.tasks.get(input.taskId);
    if (task?.status !== 'pending') {
      await put({ status: 'skipped', attempts: previous?.attempts ?? 0, error: null, ref: null });
      return { done: true, status: 'skipped' };
    }
    const attempts = (previous?.attempts ?? 0) + 1;
    // Recorded before sending: after a crash, attempts > 0 says a notice may be out already.
    await put({ status: 'pending', attempts, error: previous?.error ?? null, ref: null });
    try {
      const ref = await this.#send(input, task, (previous?.attempts ?? 0) > 0);
      this.#options.onSent?.(input);
      await put({ status: 'sent', attempts, error: null, ref: JSON.stringify(ref) });
    } catch (error) {
      await put({ status: 'pending', attempts, error: (error as Error).message.slice(0, 500), ref: null });
      return { done: false, error: (error as Error).message };
    }
    if (input.channel === 'slack' || input.channel === 'teams') {
      // The task may have ended while this was being posted, after its copies were closed.
      const now = await heed.tasks.get(input.taskId);
      if (now && now.status !== 'pending') await this.close(input.taskId).catch(() => {});
    }
    return { done: true, status: 'sent' };
  }

  async #giveUp(input: DeliveryInput, error: string): Promise<void> {
    const previous = await this.heed.deliveries.getDelivery(input.key);
    await this.heed.deliveries.putDelivery(
      {
        key: input.key,
        taskId: input.taskId,
        channel: input.channel,
        recipient: input.address.principal,
        event: `${input.kind}:${input.index}`,
        status: 'failed',
        attempts: previous?.attempts ?? 0,
        error,
        ref: null,
      },
      this.heed.clock.now(),
    );
    this.heed.metrics.deliveryFailed(input.channel);
    await this.heed.tasks.recordNotice(input.taskId, {
      channel: input.channel,
      action: 'not-notified',
      detail: {
        kind: input.kind,
        index: input.index,
        recipient: input.address.principal,
        address: addressKey(input.address),
        reason: error,
      },
    });
  }

  /** The first sent notice of this task to this address on this channel: the thread's root. */
  async #root(input: DeliveryInput): Promise<SentRef | undefined> {
    const address = addressKey(input.address);
    return (await this.heed.deliveries.taskDeliveries(input.taskId))
      .filter((d) => d.channel === input.channel && d.status === 'sent' && d.key !== input.key && d.ref !== null)
      .map((d) => JSON.parse(d.ref as string) as SentRef)
      .find((ref) => ref.address === address);
  }

  async #send(input: DeliveryInput, task: Task, mayHaveSent: boolean): Promise<SentRef> {
    const store = this.heed.deliveries;
    const now = this.heed.clock.now();
    const address = addressKey(input.address);
    const root = await this.#root(input);
    const outboxRecord = {
      id: input.key,
      taskId: task.id,
      channel: input.channel,
      recipient: input.address.principal,
      address,
    };
    if (input.channel === 'email') {
      const notice = this.notice(task, input.kind, input.address);
      const mail = renderEmail(notice);
      const from = this.config.email?.from ?? 'Heed <heed@localhost>';
      const messageId = messageIdOf(input.key, from);
      const inReplyTo = root?.messageId ?? null;
      if (this.mailer) {
        await this.mailer.send({ ...mail, to: address, messageId, inReplyTo });
        return { address, messageId };
      }
      await store.putOutbox(
        {
          ...outboxRecord,
          message: JSON.stringify({ kind: 'email', from, to: address, messageId, inReplyTo, ...mail }),
        },
        now,
      );
      return { address, messageId, outbox: true };
    }
    const notice = this.notice(task, input.kind, input.address);
    const text = `${notice.lead}: ${task.title}`;
    if (input.channel === 'teams') {
      if (!this.teams || input.address.kind !== 'teams-user') throw new Error('Teams is not configured');
      const card = openCard(notice);
      const posted =
        root?.conversation && root.activityId
          ? await this.teams.reply({ conversation: root.conversation, activityId: root.activityId }, card, text)
          : await this.teams.postToUser(input.address.user, card, text);
      return { address, ...posted };
    }
    if (this.slack) {
      const api = this.slack;
      const channel = input.address.kind === 'slack-user' ? await api.dmChannel(input.address.user) : address;
      const threadTs = root?.channel === channel ? (root.ts ?? null) : null;
      const found = mayHaveSent ? await api.findPosted(channel, input.key, threadTs) : undefined;
      const ts = found ?? (await api.post({ channel, text, blocks: openBlocks(notice), threadTs, key: input.key }));
      return { address, channel, ts };
    }
    const blocks = openBlocks(notice, { links: true });
    await store.putOutbox(
      {
        ...outboxRecord,
        message: JSON.stringify({ kind: 'slack', to: address, text, blocks, threadOf: root ? root.ts : null }),
      },
      now,
    );
    return { address, channel: address, ts: (now / 1000).toFixed(6), outbox: true };
  }
}
