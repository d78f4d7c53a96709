import type { Task } from './types.ts';

/** Why a notification is sent. */
export type NotificationKind = 'created' | 'reminder' | 'escalated' | 'stage' | 'reassigned';

export interface Notification {
  /**
   * Unique per task, kind, occurrence and channel (e.g. `T1:reminder:2:email`). Heed never calls a
   * channel twice with a key it recorded as delivered; a channel should also pass the key to its
   * provider (Message-ID, Slack `client_msg_id`) to close the window between sending and recording.
   */
  key: string;
  kind: NotificationKind;
  task: Task;
  /**
   * Principals to tell: the assignees; for an escalation the responders it added; for `stage` (a
   * staged approval reached its next stage, `index` 1 = the second) that stage's approvers; for
   * `reassigned` (`index`: the reassignment's audit position) the people it was handed to.
   */
  recipients: string[];
}

/** What a channel says of a notification it took, for the task's history. */
export interface NoticeReceipt {
  /**
   * The channel keeps its notices in a local outbox instead of sending them (nothing configured
   * for it, e.g. no SMTP server): the history says "kept in the outbox", not "sent".
   */
  outbox?: boolean;
}

/**
 * A notification channel (webhook, email, Slack, …). `notify` may throw: it is retried with
 * backoff as a durable step. The inbox needs no notifier: a task is in the inbox when created.
 */
export interface Notifier {
  readonly channel: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a notifier with nothing to report returns Promise<void>, as before receipts
  notify(notification: Notification): Promise<void | NoticeReceipt>;
}
