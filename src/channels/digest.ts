/**
 * The daily digest: one email per person listing what waits for them, at a configured hour (UTC;
 * config `digest: {hour: 8}`), only to people with pending tasks, through the email channel.
 *
 * Durable and once a day even with several processes: each day is one internal run with a fixed
 * id (`digest:YYYY-MM-DD`), so starting it again (another process, a restart) finds the same run.
 * The run sleeps on a durable timer until the hour, reads the pending tasks, sends one mail per
 * address (each a recorded step, with a Message-ID made from the day and the address, so a retry
 * after a crash is recognizably the same mail), then starts the next day's run. A process that
 * starts makes sure the run of the next digest exists. A digest whose time passed by more than
 * {@link STALE_MS} (every process was down) is skipped, not sent late; the chain goes on.
 */
import type { Heed } from '../human/heed.ts';
import type { Task } from '../human/types.ts';
import { internalRunId } from '../run-ids.ts';
import { escapeHtml } from '../text/escape-html.ts';
import type { Channels } from './channels.ts';
import { messageIdOf } from './email/mailer.ts';

export const DIGEST_WORKFLOW = 'heed.digest';
const DAY_MS = 86_400_000;
/** A digest more than this late is skipped (it would list what is no longer news). */
const STALE_MS = 6 * 3_600_000;
/** At most this many pending tasks are read per digest, and listed per mail. */
const MAX_TASKS = 5_000;
const MAX_LISTED = 50;

export interface DigestOptions {
  /** The hour of the day (UTC, 0–23) the digest is sent at. */
  hour: number;
}

interface DigestInput {
  day: string;
  at: number;
}

/** One person's digest, as recorded in the run (plain JSON). */
interface DigestMail {
  to: string;
  principal: string;
  tasks: { id: string; title: string; type: string; deadline: number | null }[];
  more: number;
}

/** `2026-01-01` for a time (UTC). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** When the digest of `day` is sent: `hour` o'clock UTC that day. */
export function digestTime(day: string, hour: number): number {
  return Date.parse(`${day}T00:00:00Z`) + hour * 3_600_000;
}

/** The run id of `day`'s digest. */
export function digestRunId(day: string): string {
  return internalRunId('digest', day);
}

/** The daily digest of a Heed with channels (see the module). */
export class Digest {
  readonly #heed: Heed;
  readonly #channels: Channels;
  readonly #hour: number;
  readonly #baseUrl: () => string;

  constructor(heed: Heed, channels: Channels, options: DigestOptions & { baseUrl: () => string }) {
    if (!Number.isInteger(options.hour) || options.hour < 0 || options.hour > 23) {
      throw new Error(`digest.hour must be a whole hour from 0 to 23 (UTC), got ${options.hour}`);
    }
    this.#heed = heed;
    this.#channels = channels;
    this.#hour = options.hour;
    this.#baseUrl = options.baseUrl;
    heed.workflow(
      DIGEST_WORKFLOW,
      async (ctx, input: DigestInput) => {
        const now = await ctx.now();
        if (input.at > now) await ctx.sleep(input.at - now);
        let sent = 0;
        if ((await ctx.now()) <= input.at + STALE_MS) {
          const mails = await ctx.step('collect', () => this.collect());
          for (const mail of mails) {
            if (await ctx.step(`send:${mail.to}`, () => this.#send(input.day, mail))) sent++;
          }
        }
        const next = dayOf(Date.parse(`${input.day}T00:00:00Z`) + DAY_MS);
        await ctx.step('next', () => this.#ensure(next).then(() => next));
        return { sent };
      },
      { internal: true },
    );
  }

  /**
   * Makes sure the run of the next digest exists (today's if its hour is still ahead, else
   * tomorrow's); idempotent across processes. Call after `heed.start()`.
   * @returns the day of that digest.
   */
  async start(): Promise<string> {
    const now = this.#heed.clock.now();
    const today = dayOf(now);
    const day = digestTime(today, this.#hour) > now ? today : dayOf(now + DAY_MS);
    await this.#ensure(day);
    return day;
  }

  async #ensure(day: string): Promise<void> {
    await this.#heed.startWorkflow(DIGEST_WORKFLOW, { day, at: digestTime(day, this.#hour) } satisfies DigestInput, {
      id: digestRunId(day),
    });
  }

  /**
   * Who has pending tasks and which, by email address: every assignee (groups through their
   * members), never the requester of a task (their own request does not wait for them).
   */
  async collect(): Promise<DigestMail[]> {
    const tasks: Task[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#heed.tasks.list({ status: 'pending', limit: 500, ...(cursor ? { cursor } : {}) });
      tasks.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && tasks.length < MAX_TASKS);
    const byAddress = new Map<string, DigestMail>();
    for (const task of tasks) {
      const principals = [...new Set(task.assignees.map((a) => a.principal))];
      for (const address of this.#channels.people.resolve(principals, 'email')) {
        if (address.kind !== 'email' || address.principal === task.requester) continue;
        const mail = byAddress.get(address.to) ?? { to: address.to, principal: address.principal, tasks: [], more: 0 };
        if (mail.tasks.length < MAX_LISTED) {
          mail.tasks.push({ id: task.id, title: task.title, type: task.type, deadline: task.deadline ?? null });
        } else mail.more++;
        byAddress.set(address.to, mail);
      }
    }
    return [...byAddress.values()].sort((a, b) => a.to.localeCompare(b.to));
  }

  /** Sends one digest; false without SMTP (the digest is email only). */
  async #send(day: string, mail: DigestMail): Promise<boolean> {
    const mailer = this.#channels.mailer;
    if (!mailer) return false;
    const count = mail.tasks.length + mail.more;
    const link = (id: string) => `${this.#baseUrl()}/#/task/${encodeURIComponent(id)}`;
    const due = (deadline: number | null) =>
      deadline ? ` (due ${new Date(deadline).toISOString().slice(0, 16).replace('T', ' ')} UTC)` : '';
    const name = this.#channels.people.name(mail.principal);
    const subject = `${count} ${count === 1 ? 'request waits' : 'requests wait'} for you`;
    const more = mail.more ? `\n…and ${mail.more} more in the inbox.` : '';
    const text =
      `Good morning ${name}, these wait for your decision:\n\n` +
      mail.tasks.map((t) => `- ${t.title}${due(t.deadline)}\n  ${link(t.id)}`).join('\n') +
      `${more}\n\nThe inbox: ${this.#baseUrl()}/\n`;
    const html =
      `<div style="font:15px/1.5 -apple-system,Segoe UI,Roboto,sans-serif;color:#1d2330;"><p>Good morning ${escapeHtml(name)}, these wait for your decision:</p><ul>` +
      mail.tasks
        .map(
          (t) =>
            `<li><a style="color:#2457d6;" href="${escapeHtml(link(t.id))}">${escapeHtml(t.title)}</a>${escapeHtml(due(t.deadline))}</li>`,
        )
        .join('') +
      `</ul>${mail.more ? `<p>…and ${mail.more} more in <a href="${escapeHtml(`${this.#baseUrl()}/`)}">the inbox</a>.</p>` : ''}</div>`;
    await mailer.send({
      to: mail.to,
      subject,
      text,
      html,
      messageId: messageIdOf(`digest:${day}:${mail.to}`, mailer.from),
      inReplyTo: null,
    });
    return true;
  }
}
