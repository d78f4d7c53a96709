/** Why a link attempt was refused. */
export type LinkRefusal = 'forged' | 'expired' | 'used' | 'limited';

export interface LinkGuardOptions {
  /** Refused attempts one client may make per window before it is refused outright (default 20). */
  maxRefusals?: number;
  /** The window, in ms (default 10 minutes). */
  windowMs?: number;
  /** How many clients and link nonces are remembered at most (default 10,000). */
  capacity?: number;
}

/**
 * Refused one-click link attempts: counted (by reason), rate-limited per client address, and
 * recorded in a task's audit chain at most once per link and reason. A forged token names nobody
 * and no trustworthy task, so it is only counted: a flood of forgeries cannot grow an audit chain.
 * Memory is bounded (`capacity`); the oldest entries are forgotten first.
 */
export class LinkGuard {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #clients = new Map<string, { since: number; refusals: number }>();
  readonly #recorded = new Set<string>();
  readonly counts: Record<LinkRefusal, number> = { forged: 0, expired: 0, used: 0, limited: 0 };

  constructor(options: LinkGuardOptions = {}) {
    this.#max = options.maxRefusals ?? 20;
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** Whether this client made too many refused attempts lately (then it is refused unread). */
  limited(client: string, now: number): boolean {
    const entry = this.#clients.get(client);
    const over = entry !== undefined && now - entry.since < this.#windowMs && entry.refusals >= this.#max;
    if (over) this.counts.limited++;
    return over;
  }

  /** Counts a refused attempt of `client`. */
  refused(client: string, reason: Exclude<LinkRefusal, 'limited'>, now: number): void {
    this.counts[reason]++;
    let entry = this.#clients.get(client);
    if (!entry || now - entry.since >= this.#windowMs) {
      this.#clients.delete(client);
      entry = { since: now, refusals: 0 };
      this.#clients.set(client, entry);
      if (this.#clients.size > this.#capacity) this.#clients.delete(this.#clients.keys().next().value as string);
    }
    entry.refusals++;
  }

  /** True the first time a link (`nonce`) is refused for `reason`: record it in the audit chain then only. */
  firstRefusal(nonce: string, reason: string): boolean {
    const key = `${reason}:${nonce}`;
    if (this.#recorded.has(key)) return false;
    this.#recorded.add(key);
    if (this.#recorded.size > this.#capacity) this.#recorded.delete(this.#recorded.values().next().value as string);
    return true;
  }
}
