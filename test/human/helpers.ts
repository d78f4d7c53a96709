import type { Notification, Notifier } from '../../src/index.ts';

/** A channel that records what it was asked to send (a real Notifier, delivering to an array). */
export class RecordingNotifier implements Notifier {
  readonly channel: string;
  readonly sent: Notification[] = [];
  constructor(channel = 'slack') {
    this.channel = channel;
  }
  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
  /** `kind:recipients` of each notification, for compact assertions. */
  get log(): string[] {
    return this.sent.map((n) => `${n.kind}:${n.recipients.join(',')}`);
  }
}
