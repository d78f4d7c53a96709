export interface RefusalGuardOptions {
  /** Refused attempts one client may make per window; past it, its refusals are answered "too many" (default 20). */
  maxRefusals?: number;
  /** The window, in ms (default 10 minutes). */
  windowMs?: number;
  /** How many clients and recorded refusals are remembered at most (default 10,000). */
  capacity?: number;
}

/**
 * Refused attempts from outside (forged one-click links, unknown Slack users): counted by reason,
 * limited per client, and recorded in an audit chain at most once per subject and reason.
 *
 * Only refusals are limited: a client past its limit is told "too many" for its *refused*
 * attempts, and an attempt that is valid goes through all the same, so nobody can lock a person
 * out by failing in their name (a shared address, a forged flood). In memory, per process: a
 * restart forgets the counts. Memory is bounded (`capacity`); the oldest entries go first.
 */
export class RefusalGuard<Reason extends string> {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #clients = new Map<string, { since: number; refusals: number }>();
  readonly #recorded = new Set<string>();
  /** Refusals by reason, and `limited`: those answered "too many". */
  readonly counts: Record<Reason | 'limited', number>;

  constructor(reasons: readonly Reason[], options: RefusalGuardOptions = {}) {
    this.#max = options.maxRefusals ?? 20;
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#capacity = options.capacity ?? 10_000;
    this.counts = Object.fromEntries([...reasons, 'limited'].map((r) => [r, 0])) as Record<Reason | 'limited', number>;
  }

  /**
   * Counts a refused attempt of `client` and says whether the client is now over its limit (then
   * answer "too many", 429, and record nothing).
   */
  refused(client: string, reason: Reason, now: number): boolean {
    this.counts[reason]++;
    let entry = this.#clients.get(client);
    if (!entry || now - entry.since >= this.#windowMs) {
      this.#clients.delete(client);
      entry = { since: now, refusals: 0 };
      this.#clients.set(client, entry);
      if (this.#clients.size > this.#capacity) this.#clients.delete(this.#clients.keys().next().value as string);
    }
    entry.refusals++;
    const over = entry.refusals > this.#max;
    if (over) this.counts.limited++;
    return over;
  }

  /**
   * True the first time `subject` (a link's nonce, a task and Slack user) is refused for `reason`
   * in this process: record it then only. (Callers that must not record a repeat after a restart
   * also look in the audit chain: `refusalAudited`.)
   */
  firstRefusal(subject: string, reason: string): boolean {
    const key = `${reason}:${subject}`;
    if (this.#recorded.has(key)) return false;
    this.#recorded.add(key);
    if (this.#recorded.size > this.#capacity) this.#recorded.delete(this.#recorded.values().next().value as string);
    return true;
  }
}
