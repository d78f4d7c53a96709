/**
 * Away and delegates: a person sets themselves away for a period with a delegate, and every task
 * that would reach them meanwhile reaches the delegate instead (at creation, at escalation, on
 * reassignment; see `HumanTasks`). A chain of delegates is followed (Alice away to Bob, Bob away
 * to Carol: Carol); a chain that would lead back to the person during the period is refused when
 * set, and one that loops anyway (two people setting each other at once) is never followed: the
 * task then stays with the person it was for. The absence is kept in the store (`away`, with a log
 * of every change); tasks already pending move to the delegate when the absence starts: at once,
 * or by a durable timer (a run of {@link AWAY_WORKFLOW}) when it starts later.
 */
import type { WorkflowContext } from '../engine/context.ts';
import type { Engine } from '../engine/engine.ts';
import { AwayRefusedError, InvalidArgumentError } from '../errors.ts';
import { internalRunId } from '../run-ids.ts';
import type { AwayLogEntry, AwayRecord, AwayStore } from '../store/away-store.ts';
import { canAnswer, checkPrincipal, isPerson } from './principals.ts';

/** The workflow whose runs move someone's pending tasks when their absence starts later. */
export const AWAY_WORKFLOW = 'heed.away';
/** At most this many delegates are followed from one person. */
export const MAX_DELEGATE_CHAIN = 10;
/** How long after an absence that starts at once its timer checks that nothing was left behind. */
const SAFETY_NET_MS = 60_000;
/** The longest absence: a year (and it must start within a year). */
export const MAX_AWAY_MS = 366 * 86_400_000;

/** What a person (or an admin for them) sets: away until `until`, from `from` (default now), to `delegate`. */
export interface AwayInput {
  /** Epoch ms, excluded. */
  until: number;
  /** Who answers meanwhile: a person, a group or an email address. */
  delegate: string;
  /** Epoch ms; default now. */
  from?: number | undefined;
}

/** Where a task for `from` goes while they are away: `to`, through `chain` (from … to). */
export interface Delegation {
  from: string;
  to: string;
  /** When `from` is back. */
  until: number;
  chain: string[];
}

/** A person's absence as `GET /v1/me/away` shows it. */
export interface AwayState {
  principal: string;
  /** The absence set (now or later), or null. */
  away: AwayRecord | null;
  /** Whether it is in force now. */
  active: boolean;
  /** Where their tasks go now (the end of the chain), when active. */
  delegateNow: string | null;
  /** The latest changes, newest first. */
  log: AwayLogEntry[];
}

type Lookup = (principal: string) => Promise<AwayRecord | undefined>;

const activeAt = (record: AwayRecord, now: number) => record.from <= now && now < record.until;

/**
 * Follows `principal`'s delegates as they are at `now`. Null when they are not away, when the
 * chain loops (never followed), or for a principal that is not one person (groups are not away).
 */
export async function followDelegates(principal: string, now: number, lookup: Lookup): Promise<Delegation | null> {
  if (!isPerson(principal)) return null;
  const chain = [principal];
  let until: number | null = null;
  for (let i = 0; i < MAX_DELEGATE_CHAIN; i++) {
    const last = chain.at(-1) as string;
    if (!isPerson(last)) break;
    const record = await lookup(last);
    if (!record || !activeAt(record, now)) break;
    if (chain.includes(record.delegate)) return null;
    until ??= record.until;
    chain.push(record.delegate);
  }
  return chain.length > 1 && until !== null ? { from: principal, to: chain.at(-1) as string, until, chain } : null;
}

/**
 * The chain that would lead from `record.delegate` back to `record.principal` at some moment of
 * `record`'s period (each absence on the way in force at that same moment), or null.
 */
export async function delegateLoop(
  record: Pick<AwayRecord, 'principal' | 'delegate' | 'from' | 'until'>,
  lookup: Lookup,
): Promise<string[] | null> {
  const chain = [record.principal, record.delegate];
  let from = record.from;
  let until = record.until;
  for (let i = 0; i < MAX_DELEGATE_CHAIN; i++) {
    const last = chain.at(-1) as string;
    const next = await lookup(last);
    if (!next) return null;
    from = Math.max(from, next.from);
    until = Math.min(until, next.until);
    if (from >= until) return null;
    if (next.delegate === record.principal) return [...chain, next.delegate];
    if (chain.includes(next.delegate)) return null;
    chain.push(next.delegate);
  }
  return null;
}

/** What `Away` asks of the task layer. */
export interface AwayTasks {
  /**
   * Moves `principal`'s pending tasks to their delegate (a reassignment by `system`, reason "away
   * until …"); returns how many moved.
   */
  moveTasks(principal: string, record: AwayRecord): Promise<number>;
}

/**
 * Who is away: set, cleared, read, and where a task for someone goes now. Who may set whose
 * absence is the caller's to decide (the server's `Authorization.requireAway`).
 */
export class Away {
  readonly #engine: Engine;
  readonly #store: AwayStore;
  readonly #tasks: AwayTasks;

  constructor(engine: Engine, store: AwayStore, tasks: AwayTasks) {
    this.#engine = engine;
    this.#store = store;
    this.#tasks = tasks;
    engine.workflow(
      AWAY_WORKFLOW,
      (ctx, input: { principal: string; setAt: number; from: number }) => this.#startLater(ctx, input),
      { internal: true },
    );
  }

  /** `principal`'s absence, whether it is in force, where their tasks go now, and its latest changes. */
  async get(principal: string): Promise<AwayState> {
    await this.#engine.ready();
    const now = this.#engine.clock.now();
    const record = await this.#store.getAway(principal);
    const delegation = await this.delegationOf(principal, now);
    return {
      principal,
      away: record && record.until > now ? record : null,
      active: record !== undefined && activeAt(record, now),
      delegateNow: delegation?.to ?? null,
      log: await this.#store.awayLog(principal, 20),
    };
  }

  /**
   * Sets `principal` away (replacing an absence set before) and moves their pending tasks to the
   * delegate: now if the period has begun, else at `from` by a durable timer.
   * @throws AwayRefusedError (422: not a person, a bad period or delegate, a loop), InvalidPrincipalError
   */
  async set(principal: string, input: AwayInput, by: string): Promise<{ state: AwayState; moved: number }> {
    await this.#engine.ready();
    const now = this.#engine.clock.now();
    if (!isPerson(principal)) {
      throw new AwayRefusedError('INVALID_AWAY', `Only a person (user: or email:) can be away, not ${principal}`);
    }
    const delegate = checkPrincipal(input.delegate);
    if (!canAnswer(delegate)) throw new AwayRefusedError('INVALID_AWAY', `${delegate} cannot answer tasks`);
    if (delegate === principal) throw new AwayRefusedError('INVALID_AWAY', 'The delegate must be someone else');
    const from = Math.max(input.from ?? now, now);
    const { until } = input;
    if (!Number.isFinite(until) || !Number.isFinite(from)) throw new InvalidArgumentError('until and from are times');
    if (until <= from) throw new AwayRefusedError('INVALID_AWAY', 'until must be after from and in the future');
    if (until - from > MAX_AWAY_MS || from - now > MAX_AWAY_MS) {
      throw new AwayRefusedError('INVALID_AWAY', 'An absence lasts at most a year and starts within a year');
    }
    const record: AwayRecord = { principal, delegate, from, until, setBy: by, setAt: now };
    const loop = await delegateLoop(record, (p) => this.#store.getAway(p));
    if (loop) {
      throw new AwayRefusedError('DELEGATE_LOOP', `The delegates lead back to ${principal}: ${loop.join(' → ')}`);
    }
    // The durable timer first, then the absence: at `from` it moves what waits for them, if this
    // absence still stands (so a crash between the two writes leaves a timer that does nothing).
    // An absence that starts now moves the tasks at once below, and its timer, a minute later, is
    // the safety net for a crash in the middle of that.
    await this.#engine.startWorkflow(
      AWAY_WORKFLOW,
      { principal, setAt: now, from: Math.max(from, now + SAFETY_NET_MS) },
      { id: internalRunId('away', `${principal}:${now}`) },
    );
    await this.#store.putAway(record);
    const moved = from <= now ? await this.#tasks.moveTasks(principal, record) : 0;
    return { state: await this.get(principal), moved };
  }

  /**
   * `principal` is back: their absence is removed (logged), new tasks reach them again. Tasks
   * moved to the delegate stay there; a later start that was scheduled does nothing.
   * @returns what was cleared, or undefined when they were not away
   */
  async clear(principal: string, by: string): Promise<AwayRecord | undefined> {
    await this.#engine.ready();
    return this.#store.clearAway(principal, by, this.#engine.clock.now());
  }

  /** Where a task for `principal` goes at `now` (see {@link followDelegates}). */
  delegationOf(principal: string, now: number): Promise<Delegation | null> {
    return followDelegates(principal, now, (p) => this.#store.getAway(p));
  }

  /** The timer of an absence that starts later: at `from`, move the tasks if that absence still stands. */
  async #startLater(ctx: WorkflowContext, input: { principal: string; setAt: number; from: number }): Promise<number> {
    const now = await ctx.now();
    if (input.from > now) await ctx.sleep(input.from - now);
    return ctx.step('move', async () => {
      const record = await this.#store.getAway(input.principal);
      if (!record || record.setAt !== input.setAt) return 0;
      return this.#tasks.moveTasks(input.principal, record);
    });
  }
}
