/**
 * Standing approvals: an approver who approves an action may also say "and approve the same
 * action, with arguments within these bounds, for N days" — only where the task's policy allows it
 * (`standing: {maxDays}`), for at most that long. Bounds: a maximum per numeric argument named
 * (`amount <= 200`); every other argument must equal the approved one (`to = "alice"`), and the
 * arguments must have the same names.
 *
 * Scope (what a standing approval matches): a new approval task of the same tool, governed by the
 * same policy at the same version, asked by the same requester (or, both without a requester),
 * within the bounds, while it is in force (not expired, not revoked). Such a task is approved at
 * creation through the normal answer path, as the standing approval's approver, via `standing`,
 * with `standingApprovalId` in the audit entry — only if that approver may answer it (is asked,
 * four-eyes: never the requester's own) and one approval decides it (no quorum, no stages).
 *
 * Granting and revoking are recorded in the audit chain of the task it was granted with.
 */
import { ForbiddenError, HeedError, InvalidArgumentError } from '../errors.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { StandingApprovalRecord, StandingStore } from '../store/standing-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { Clock } from '../time/clock.ts';
import type { PolicySet } from './policies/policy-set.ts';
import { decideAndWrite } from './task-writes.ts';
import type { Task } from './types.ts';

const DAY_MS = 86_400_000;
/** Standing approvals one approval task looks through at its creation. */
const MAX_CANDIDATES = 200;

/** The arguments a standing approval covers. */
export interface StandingBounds {
  /** Arguments that must be exactly these. */
  equal: Record<string, unknown>;
  /** Numeric arguments that may be anything up to these (inclusive). */
  max: Record<string, number>;
}

/** A standing approval as the API shows it. */
export interface StandingApproval {
  id: string;
  tool: string;
  policy: { name: string; version: string };
  requester: string | null;
  approver: string;
  bounds: StandingBounds;
  sourceTaskId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
  /** In force now: neither expired nor revoked. */
  active: boolean;
}

/** What an approver asks for. */
export interface GrantInput {
  /** How long it stands (at most the policy's `maxDays`). */
  days: number;
  /** A maximum per numeric argument; the other arguments stay as approved. */
  max?: Record<string, number>;
}

/** Whether `args` fall within `bounds`: the same argument names, equal ones equal, bounded ones numbers within. */
export function withinBounds(args: Record<string, unknown>, bounds: StandingBounds): boolean {
  const names = Object.keys(args).sort();
  const covered = [...Object.keys(bounds.equal), ...Object.keys(bounds.max)].sort();
  if (names.length !== covered.length || names.some((n, i) => n !== covered[i])) return false;
  for (const [name, value] of Object.entries(bounds.equal)) {
    if (canonicalHash(args[name]) !== canonicalHash(value)) return false;
  }
  for (const [name, max] of Object.entries(bounds.max)) {
    const value = args[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value > max) return false;
  }
  return true;
}

/** The API's view of a stored standing approval at `now`. */
export function standingView(record: StandingApprovalRecord, now: number): StandingApproval {
  return {
    id: record.id,
    tool: record.tool,
    policy: { name: record.policyName, version: record.policyVersion },
    requester: record.requester,
    approver: record.approver,
    bounds: JSON.parse(record.bounds) as StandingBounds,
    sourceTaskId: record.sourceTaskId,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    revokedBy: record.revokedBy,
    active: record.revokedAt === null && record.expiresAt > now,
  };
}

/**
 * The standing approval `grantor` asks for with their approval of `task`, checked (pure).
 * @throws ForbiddenError (the grantor did not approve this task, or asked for it), InvalidArgumentError
 *   (not an approved action approval, no policy allowing it, too long, bounds on unknown or
 *   non-numeric arguments, or bounds below the approved values).
 */
export function decideGrant(
  task: Task,
  policies: Pick<PolicySet, 'named'>,
  input: GrantInput,
  grantor: string,
  now: number,
): StandingApprovalRecord {
  if (task.type !== 'approval' || !task.action) {
    throw new InvalidArgumentError('Only the approval of an action can stand for later ones');
  }
  const result = task.result;
  if (result?.status !== 'resolved' || result.outcome !== task.quorum.approveOutcome) {
    throw new InvalidArgumentError('The task is not approved: approve it first');
  }
  if (!task.responses.some((r) => r.principal === grantor && r.outcome === task.quorum.approveOutcome)) {
    throw new ForbiddenError('Only an approver of this task may let the approval stand');
  }
  if (task.requester !== null && task.requester === grantor) {
    throw new ForbiddenError('A standing approval of one’s own requests is not allowed (four-eyes)');
  }
  const policy = task.policy ? policies.named(task.policy.name) : undefined;
  if (!policy || policy.version !== task.policy?.version || !policy.standing) {
    throw new InvalidArgumentError('The policy of this task does not allow standing approvals');
  }
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > policy.standing.maxDays) {
    throw new InvalidArgumentError(
      `days must be a whole number from 1 to ${policy.standing.maxDays} (the policy’s maximum)`,
    );
  }
  const args = (result.args ?? task.action.args) as Record<string, unknown>;
  const max = input.max ?? {};
  for (const [name, bound] of Object.entries(max)) {
    if (!(name in args)) throw new InvalidArgumentError(`The action has no argument "${name}"`);
    if (typeof args[name] !== 'number')
      throw new InvalidArgumentError(`"${name}" is not a number: it can only be equal`);
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      throw new InvalidArgumentError(`The bound of "${name}" must be a number`);
    if (bound < (args[name] as number)) {
      throw new InvalidArgumentError(`The bound of "${name}" is below the approved ${args[name]}`);
    }
  }
  const equal = Object.fromEntries(Object.entries(args).filter(([name]) => !(name in max)));
  return {
    id: `SA-${crypto.randomUUID()}`,
    tool: task.action.tool,
    policyName: policy.name,
    policyVersion: policy.version,
    requester: task.requester,
    approver: grantor,
    bounds: JSON.stringify({ equal, max }),
    sourceTaskId: task.id,
    createdAt: now,
    expiresAt: now + input.days * DAY_MS,
    revokedAt: null,
    revokedBy: null,
  };
}

/** How a standing approval answers a task: the normal answer path, as its approver. */
export type StandingAnswer = (task: Task, standing: StandingApprovalRecord) => Promise<Task | null>;

/** Standing approvals: granted, listed, revoked, and applied to new approval tasks. */
export class StandingApprovals {
  readonly #store: StandingStore & Pick<TaskStore, 'getTask' | 'applyTaskUpdate'>;
  readonly #clock: Clock;
  readonly #policies: Pick<PolicySet, 'named'>;

  constructor(
    store: StandingStore & Pick<TaskStore, 'getTask' | 'applyTaskUpdate'>,
    clock: Clock,
    policies: Pick<PolicySet, 'named'>,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#policies = policies;
  }

  /**
   * Grants a standing approval with `grantor`'s approval of `task` (see {@link decideGrant}),
   * stores it and records `standing-granted` in the task's audit chain.
   * @throws see {@link decideGrant}; nothing is stored when it throws.
   */
  async grant(task: Task, input: GrantInput, grantor: string, via: string): Promise<StandingApproval> {
    const now = this.#clock.now();
    const record = decideGrant(task, this.#policies, input, grantor, now);
    await this.#store.insertStandingApproval(record);
    await this.#audit(task.id, grantor, via, 'standing-granted', {
      standingApprovalId: record.id,
      bounds: JSON.parse(record.bounds),
      expiresAt: record.expiresAt,
    });
    return standingView(record, now);
  }

  /** The standing approval, or `undefined`. */
  async get(id: string): Promise<StandingApproval | undefined> {
    const record = await this.#store.getStandingApproval(id);
    return record && standingView(record, this.#clock.now());
  }

  /** Standing approvals, newest first: of one approver, or everyone's; only those in force with `active`. */
  async list(query: { approver?: string; active?: boolean; limit?: number } = {}): Promise<StandingApproval[]> {
    const now = this.#clock.now();
    const records = await this.#store.listStandingApprovals({
      approver: query.approver,
      activeAt: query.active ? now : undefined,
      limit: Math.min(Math.max(query.limit ?? 100, 1), 500),
    });
    return records.map((r) => standingView(r, now));
  }

  /**
   * Revokes it as `by` (the caller has checked that `by` may) and records `standing-revoked` in
   * the audit chain of the task it was granted with. Revoking a revoked one changes nothing.
   * @throws StandingApprovalNotFoundError (NOT_FOUND) when there is no such standing approval.
   */
  async revoke(id: string, by: string, via: string): Promise<StandingApproval> {
    const now = this.#clock.now();
    const record = await this.#store.getStandingApproval(id);
    if (!record) throw new StandingApprovalNotFoundError(id);
    if (await this.#store.revokeStandingApproval(id, by, now)) {
      await this.#audit(record.sourceTaskId, by, via, 'standing-revoked', { standingApprovalId: id });
    }
    return (await this.get(id)) as StandingApproval;
  }

  /**
   * Approves a new approval task with the first standing approval in force that matches it (see
   * the module's scope), through `answer`; returns the task as answered, or `null` when none applies.
   * An answer refused (the task changed meanwhile) just leaves the task pending.
   */
  async applyTo(task: Task, answer: StandingAnswer): Promise<Task | null> {
    if (task.status !== 'pending' || task.type !== 'approval' || !task.action || !task.policy) return null;
    if (task.stages || task.quorum.approvals !== 1) return null;
    const policy = this.#policies.named(task.policy.name);
    if (!policy?.standing || policy.version !== task.policy.version) return null;
    const now = this.#clock.now();
    const candidates = await this.#store.listStandingApprovals({
      tool: task.action.tool,
      activeAt: now,
      limit: MAX_CANDIDATES,
    });
    for (const standing of candidates) {
      if (standing.policyName !== policy.name || standing.policyVersion !== policy.version) continue;
      if (standing.requester !== task.requester) continue;
      if (task.requester !== null && standing.approver === task.requester) continue;
      if (!withinBounds(task.action.args, JSON.parse(standing.bounds) as StandingBounds)) continue;
      try {
        const answered = await answer(task, standing);
        if (answered) return answered;
      } catch (error) {
        if (!(error instanceof HeedError)) throw error;
      }
    }
    return null;
  }

  async #audit(taskId: string, actor: string, via: string, action: string, detail: unknown): Promise<void> {
    await decideAndWrite(this.#store, this.#clock, taskId, () => ({
      update: { audit: [{ actor, via, action, detail }] },
      value: null,
    }));
  }
}

/** No standing approval has this id (or the caller may not see it). */
export class StandingApprovalNotFoundError extends HeedError {
  constructor(id: string) {
    super('NOT_FOUND', `No standing approval ${id}`);
  }
}
