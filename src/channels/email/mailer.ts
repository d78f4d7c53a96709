import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { RenderedEmail } from './render.ts';

/** One mail to send. */
export interface OutgoingMail extends RenderedEmail {
  to: string;
  messageId: string;
  /** The Message-ID of the first mail of the thread (reminders reply under it). */
  inReplyTo: string | null;
}

/**
 * A stable Message-ID for a delivery key: the same notice always carries the same id, so a mail
 * re-sent after a crash (sent, then the process died before recording it) is recognizably the
 * same message (mail clients and many servers drop a repeated Message-ID). SMTP itself cannot
 * tell whether an earlier connection's message was accepted: that window stays open, and this
 * is how it is made harmless.
 */
export function messageIdOf(key: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'heed.invalid';
  return `<heed.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

/** Sends mail over SMTP with nodemailer (`smtp://` or `smtps://` URL). */
export class Mailer {
  readonly #transport: Transporter;
  readonly from: string;

  constructor(smtpUrl: string, from: string) {
    this.#transport = nodemailer.createTransport(smtpUrl);
    this.from = from;
  }

  /**
   * Sends one mail. Resolves when the SMTP server accepted it.
   * @throws the SMTP error (connection refused, rejected recipient, …): the caller retries.
   */
  async send(mail: OutgoingMail): Promise<void> {
    await this.#transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  }

  close(): void {
    this.#transport.close();
  }
}
