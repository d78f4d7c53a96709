import type { WorkflowContext } from '../engine/context.ts';
import { FUSED_CHILD, hostsFusedChildren } from '../engine/fused-child.ts';
import type { Engine } from '../engine/engine.ts';
import {
  HeedError,
  InvalidArgumentError,
  InvalidTaskError,
  TaskAlreadyResolvedError,
  TaskForbiddenError,
  TaskNotFoundError,
} from '../errors.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { Page } from '../store/store.ts';
import type { DeliveryStore } from '../store/delivery-store.ts';
import type { Lease, NewRun, WaitOutcome } from '../store/store.ts';
import type {
  AuditEntry,
  NewTask,
  TaskAsk,
  TaskQuery,
  TaskRecord,
  TaskStatus,
  TaskStore,
} from '../store/task-store.ts';
import type { Duration } from '../time/duration.ts';
import { type ApprovalUse, consumeApproval } from './approval-use.ts';
import { type AuditInput, type AuditVerification, chainAudit, verifyChain } from './audit.ts';
import type { Notification, NotificationKind, Notifier } from './notifier.ts';
import { type Later, policySchedule, type PolicyEvent } from './policy.ts';
import { checkPrincipal, checkResponder, identitiesOf, type MembershipLookup } from './principals.ts';
import { decideResponse, refusalAudited } from './responses.ts';
import { deadlineUpdate, endResult, resultOf, settle } from './results.ts';
import { isZodSchema } from './schemas.ts';
import { governedSpec } from './policies/governed-spec.ts';
import type { ApprovalPolicy } from './policies/policy.ts';
import { type DefaultPolicyRules, PolicySet, type RequestTrust } from './policies/policy-set.ts';
import { stageProgress } from './stages.ts';
import { TASK_WORKFLOW, type TaskPolicies, taskLifecycle, taskRunId } from './task-workflow.ts';
import {
  type Decision,
  decideAndWrite,
  decideAndWriteSurely,
  decideWriteAndKeep,
  type TaskWriteObserver,
} from './task-writes.ts';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry.ts';
import { taskWriteObserver } from './task-telemetry.ts';
import { decideReassign, MAX_REASSIGN_TO, type ReassignInput } from './reassign.ts';
import type { AwayRecord, AwayStore } from '../store/away-store.ts';
import { Away } from './away.ts';
import { type Delegated, delegateAll } from './delegation.ts';
import { answerRefusal } from './responses.ts';
import { type StandingAnswer, StandingApprovals } from './standing.ts';
import type { StandingStore } from '../store/standing-store.ts';
import type { NormalizedSpec, ResponseInput, Task, TaskResult, TaskSpec } from './types.ts';
import { assigneesLater, type WorkingHoursLookup } from './working-hours.ts';
import { shownOf, specOf, toTask } from './view.ts';

export interface HumanTaskOptions {
  /** Channels besides the inbox (webhook, email, Slack, …), by `channel` name. */
  notifiers?: readonly Notifier[];
  /** Which groups a principal belongs to (and other principals it acts as). */
  groupsOf?: MembershipLookup;
  /** Largest JSON size of a task's description, payload, action and form (default 256 KiB). */
  maxTaskBytes?: number;
  /**
   * Approval policies (DESIGN.md "Identity and authority"), first match wins: who decides, quorum,
   * stages, deadline bounds, what silence decides, reminders, escalation, channels. A task from a
   * model's tool call or an HTTP caller that no policy governs is refused (fail closed).
   */
  policies?: readonly ApprovalPolicy[];
  /**
   * Who decides a task from a model's tool call or an HTTP caller that no policy governs (a
   * default policy named `default`; `heed serve`: the config's admins). None: such a task is refused.
   */
  defaultApprovers?: readonly string[];
  /**
   * What the `default` policy fixes besides its approvers: a deadline, what silence decides,
   * reminders (e.g. `{deadline: {default: '1h'}}`, so that its tasks never wait forever).
   * Ignored without `defaultApprovers`.
   */
  defaultPolicy?: DefaultPolicyRules;
  /**
   * A person's time zone and working hours (`heed serve`: config `people`), which the reminders
   * and escalations of tasks under a `businessHours: true` policy count (docs/working-hours.md).
   * Give every process that runs workflows the same.
   */
  workingHours?: WorkingHoursLookup;
}

/** The name of `ctx.ask`'s step that creates the task (its recorded result is the task id). */
const ASK_STEP = 'heed.ask';

/** Where a task request comes from (see {@link RequestTrust}) and the workflow that asks, for policy matching. */
export interface TaskOrigin {
  id?: string;
  via?: string;
  /** Default `server`: the request is the server's own code. */
  trust?: RequestTrust;
  workflow?: string;
}

/** An inbox page: pending tasks by default, or another status; optionally one type. */
export interface InboxQuery {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  /** Only tasks whose title contains this text. */
  search?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface TaskListQuery extends TaskQuery {
  /** Pending tasks this principal may answer, directly, through a group, or by escalation. */
  assignee?: string | undefined;
}

/**
 * Human tasks: what a person is asked, who may answer, reminders, escalation, deadlines and an
 * audit chain. Built on the engine: each task has a lifecycle workflow run (`task:<id>`) that
 * carries its timers. Every change is decided here, by pure functions of the task as read, and
 * written by compare-and-set on the task's version (see `task-writes.ts`); the write that ends a
 * task also wakes that run, in the same transaction.
 */
/** The human layer's port of the store: its tasks, and whether a notice was delivered. */
export type HumanTaskStore = TaskStore & Pick<DeliveryStore, 'hasDelivery'> & AwayStore & StandingStore;

export class HumanTasks {
  readonly #engine: Engine;
  readonly #store: HumanTaskStore;
  readonly #notifiers: ReadonlyMap<string, Notifier>;
  readonly #groupsOf: MembershipLookup | undefined;
  readonly #maxBytes: number;
  readonly #workingHours: WorkingHoursLookup | undefined;
  /** The approval policies in force. */
  readonly policies: PolicySet;
  /** Standing approvals (see `standing.ts`): granted, listed, revoked, applied to new approval tasks. */
  readonly standing: StandingApprovals;
  /** Reports each task write's effect (a task ended, a reminder, an escalation): metrics and spans. */
  readonly #observe: TaskWriteObserver;
  /** Who is away and who answers for them (see `away.ts`): tasks for them reach their delegate. */
  readonly away: Away;

  /**
   * @param engine runs the task lifecycles (registered here) and opens the store.
   * @param store the same store the engine was given, seen through the human layer's port.
   */
  constructor(engine: Engine, store: HumanTaskStore, options: HumanTaskOptions & { telemetry?: Telemetry } = {}) {
    this.#engine = engine;
    this.#observe = taskWriteObserver(options.telemetry ?? NO_TELEMETRY);
    this.#store = store;
    this.#notifiers = new Map((options.notifiers ?? []).map((n) => [n.channel, n]));
    this.#groupsOf = options.groupsOf;
    this.#maxBytes = options.maxTaskBytes ?? 256 * 1024;
    this.#workingHours = options.workingHours;
    this.policies = new PolicySet(options.policies, options.defaultApprovers, options.defaultPolicy);
    this.standing = new StandingApprovals(store, engine.clock, this.policies);
    engine.workflow(TASK_WORKFLOW, taskLifecycle(this.#policies), { internal: true });
    this.away = new Away(engine, store, { moveTasks: (principal, record) => this.#moveAwayTasks(principal, record) });
    engine.onRunsCancelled((runIds) => this.#recordRunCancellations(runIds));
  }

  /**
   * Creates a task standalone (what `POST /v1/tasks` calls) with its lifecycle run, atomically.
   * The same `idempotencyKey` returns the same task.
   * The approval policy that governs it applies (see `options.trust`).
   * @throws InvalidTaskError, PayloadTooLargeError, InvalidPrincipalError, PolicyViolationError —
   *   nothing is stored.
   */
  async create(spec: TaskSpec, options: TaskOrigin = {}): Promise<Task> {
    return (await this.submit(spec, options)).task;
  }

  /** Like {@link create}, and says whether the task is new or an existing one with the same idempotency key. */
  async submit(spec: TaskSpec, options: TaskOrigin = {}): Promise<{ task: Task; created: boolean }> {
    const normalized = governedSpec(
      spec,
      this.policies,
      { trust: options.trust ?? 'server', workflow: options.workflow },
      { maxBytes: this.#maxBytes },
    );
    const { task, created } = await this.#insert(normalized, {
      id: options.id ?? crypto.randomUUID(),
      askedBy: null,
      via: options.via ?? 'api',
    });
    const view = this.#view(task);
    return { task: (await this.standing.applyTo(view, this.#standingAnswer)) ?? view, created };
  }

  /**
   * Checks a request as {@link create} or {@link ask} would, under the policy that governs it,
   * creating nothing: for a surface that starts a run which will ask (A2A), so a bad request is
   * refused before anything is stored.
   * @throws InvalidTaskError, PayloadTooLargeError, InvalidPrincipalError, PolicyViolationError
   */
  validate(spec: TaskSpec, origin: Pick<TaskOrigin, 'trust' | 'workflow'> = {}): void {
    governedSpec(
      spec,
      this.policies,
      { trust: origin.trust ?? 'server', workflow: origin.workflow },
      { maxBytes: this.#maxBytes },
    );
  }

  /**
   * Asks a person from inside a workflow and waits, durably, for the task to end. The task and
   * its lifecycle run are created once (a recorded step), the asking run is suspended while the
   * person takes their time, and cancelling the asking run cancels the task. `origin.trust`: who
   * chose the spec (default `server`, the workflow's own code; `model` for a calling agent's
   * request, e.g. over A2A: looser fields are replaced by the policy's); `origin.via`: the
   * surface, for the audit (default `workflow`).
   */
  async ask<O extends string = string, D = unknown>(
    ctx: WorkflowContext,
    spec: TaskSpec,
    origin: Pick<TaskOrigin, 'trust' | 'via'> = {},
  ): Promise<TaskResult<O, D>> {
    if (spec.idempotencyKey !== undefined) {
      throw new InvalidTaskError('Invalid task', [
        {
          path: 'idempotencyKey',
          message: 'is for standalone tasks; ctx.ask is already idempotent by its position in the run',
        },
      ]);
    }
    // The person the run acts for asked: its initiator is the requester unless the spec names one.
    const asked = spec.requester === undefined && ctx.initiator !== null ? { ...spec, requester: ctx.initiator } : spec;
    // The server's own code asks (unless `origin` says a model or a caller chose the spec): a
    // policy that governs the task still has the last word.
    const normalized = governedSpec(
      asked,
      this.policies,
      { trust: origin.trust ?? 'server', workflow: ctx.workflow },
      { maxBytes: this.#maxBytes },
    );
    const via = origin.via ?? 'workflow';
    // One write where it can (see `engine/fused-child.ts`): the task, its lifecycle run, the
    // asking run's records and its wait, in one transaction. Else (a history recorded otherwise)
    // the four operations one by one, which record (and replay) the same four positions.
    const fused = hostsFusedChildren(ctx)
      ? ctx[FUSED_CHILD]<TaskResult<O, D>>({
          step: ASK_STEP,
          workflow: TASK_WORKFLOW,
          childId: taskRunId,
          stepOutput: (id) => id,
          write: (lease, { uuid, records, wait }, now) =>
            this.#askFused(normalized, { id: uuid, askedBy: ctx.runId, via, lease, records, wait }, now),
        })
      : undefined;
    const result = await (fused ?? this.#askStepByStep<O, D>(ctx, normalized, via));
    // A zod form gives its output type: defaults applied, coercions done (deterministic on replay).
    if (isZodSchema(spec.form) && result.data !== null) {
      return { ...result, data: spec.form.parse(result.data) as D };
    }
    return result;
  }

  /** `ctx.ask`'s four operations one by one: how asks were recorded before they were fused. */
  async #askStepByStep<O extends string, D>(
    ctx: WorkflowContext,
    spec: NormalizedSpec,
    via: string,
  ): Promise<TaskResult<O, D>> {
    const id = await ctx.uuid();
    await ctx.step(ASK_STEP, async () => {
      const { task } = await this.#insert(spec, { id, askedBy: ctx.runId, via });
      // A standing approval in force approves it now (again after a crash: a decided task is skipped).
      await this.standing.applyTo(this.#view(task), this.#standingAnswer);
      return task.id;
    });
    const lifecycle = await ctx.start<{ taskId: string }, TaskResult<O, D>>(
      { name: TASK_WORKFLOW },
      { taskId: id },
      { id: taskRunId(id) },
    );
    return lifecycle.result();
  }

  /** `ctx.ask` fused: the task as `#insert` makes it, with the asking run's records and wait, in one write. */
  async #askFused(
    spec: NormalizedSpec,
    ask: { id: string; askedBy: string; via: string; lease: Lease } & Pick<TaskAsk, 'records' | 'wait'>,
    now: number,
  ): Promise<WaitOutcome> {
    const { task, run, audit, passive } = await this.#newTask(
      spec,
      { id: ask.id, askedBy: ask.askedBy, via: ask.via },
      now,
    );
    const outcome = await this.#store.askTask(
      ask.lease,
      { records: ask.records, wait: ask.wait, task, run, audit },
      now,
    );
    if (!passive) this.#engine.wake();
    // A standing approval in force approves it now. (Written after the ask: a crash in between
    // leaves the task to a person, the safe side; a replay does not write the ask again.)
    const record = await this.#store.getTask(ask.id);
    if (record) await this.standing.applyTo(this.#view(record), this.#standingAnswer);
    return outcome;
  }

  /** The task, or `undefined`. */
  async get(id: string): Promise<Task | undefined> {
    await this.#engine.ready();
    const record = await this.#store.getTask(id);
    return record && this.#view(record);
  }

  /** Tasks newest first: by status, type, requester, age, deadline; or the inbox of `assignee`. */
  async list(query: TaskListQuery = {}): Promise<Page<Task>> {
    await this.#engine.ready();
    if (query.assignee !== undefined) {
      const extra = (['requester', 'askedBy', 'createdAfter', 'createdBefore', 'deadlineBefore'] as const).filter(
        (key) => query[key] !== undefined,
      );
      if (extra.length > 0) {
        throw new InvalidArgumentError(`assignee can be combined with status and type, not with ${extra.join(', ')}`);
      }
      return this.inbox(query.assignee, query);
    }
    const page = await this.#store.listTasks(query);
    return { items: page.items.map((r) => this.#view(r)), nextCursor: page.nextCursor };
  }

  /** Pending tasks `principal` may answer, including through its groups and escalations. */
  async inbox(principal: string, query: InboxQuery = {}): Promise<Page<Task>> {
    const identities = await identitiesOf(checkPrincipal(principal), this.#groupsOf);
    await this.#engine.ready();
    const page = await this.#store.inbox(identities, query);
    return { items: page.items.map((r) => this.#view(r)), nextCursor: page.nextCursor };
  }

  /**
   * Answers a task as `principal`. The first valid answer that completes the task wins; the task
   * is returned as it is after this answer.
   * @throws TaskNotFoundError; TaskAlreadyResolvedError (409); TaskForbiddenError (not an
   *   assignee, or the requester; recorded in the audit log); AlreadyRespondedError;
   *   InvalidResponseError (outcome not allowed, comment required, data or args invalid).
   */
  async respond(
    id: string,
    input: ResponseInput,
    as: {
      principal: string;
      via?: string;
      /** The standing approval this answer is given under (see `standing.ts`), for the audit. */
      standing?: string;
    },
    options: {
      /** Whether the caller may see the task (false: `TaskNotFoundError`, nothing written). */
      visible?: (task: Pick<TaskRecord, 'requester' | 'assignees'>) => boolean;
    } = {},
  ): Promise<Task> {
    const principal = checkResponder(as.principal);
    const identities = await identitiesOf(principal, this.#groupsOf);
    const via = as.via ?? 'api';
    await this.#engine.ready();
    const who = { principal, identities, via, ...(as.standing ? { standing: as.standing } : {}) };
    const decide = (auditRefusal: boolean) => (task: TaskRecord, now: number) => {
      if (options.visible && !options.visible(task)) throw new TaskNotFoundError(id);
      const spec = specOf(task);
      return decideResponse(task, spec, input, who, canonicalHash(shownOf(spec)), now, auditRefusal);
    };
    const write = (auditRefusal: boolean) =>
      decideWriteAndKeep(this.#store, this.#engine.clock, id, decide(auditRefusal), this.#observe);
    // A refusal is decided without writing first: a repeat of one already on the record (same
    // principal, same reason) is not written again, so a flood of refused answers cannot bump the
    // task's version and starve the writes that matter (answers, reminders, the deadline).
    let { value: refusal, task } = await write(false);
    if (refusal instanceof TaskForbiddenError) {
      if (refusalAudited(await this.#store.taskAudit(id), principal, refusal.message)) throw refusal;
      ({ value: refusal, task } = await write(true));
    }
    if (refusal) throw refusal;
    this.#engine.wake();
    return this.#view(task);
  }

  /**
   * Uses the approval of task `id` for the action `use` is about to run, once (see
   * `approval-use.ts`): bound to the tool, the approved arguments, the run and the requester.
   * @throws TaskNotFoundError; ApprovalNotUsableError (not approved, another action, used before).
   */
  async consumeApproval(id: string, use: ApprovalUse): Promise<TaskResult> {
    await this.#engine.ready();
    return consumeApproval(this.#store, this.#engine.clock, id, use);
  }

  /**
   * Marks a one-click link's nonce used (links are single use). Returns false when it was used
   * before; nothing else is written.
   */
  async useLink(nonce: string, taskId: string): Promise<boolean> {
    await this.#engine.ready();
    return this.#store.useLink(nonce, taskId, this.#engine.clock.now());
  }

  /** Whether a one-click link's nonce was used. */
  async linkUsed(nonce: string): Promise<boolean> {
    await this.#engine.ready();
    return this.#store.linkUsed(nonce);
  }

  /**
   * Records a refused attempt to act on a task from outside its normal checks (a forged, expired
   * or reused one-click link). Does nothing for an unknown task.
   */
  async recordRefusal(
    id: string,
    attempt: { actor: string; via: string; outcome?: string; reason: string },
  ): Promise<void> {
    await this.#engine.ready();
    await this.#appendAudit(id, {
      actor: attempt.actor,
      via: attempt.via,
      action: 'refused',
      outcome: attempt.outcome ?? null,
      detail: { reason: attempt.reason },
    });
  }

  /**
   * Hands a pending task to other people (see `reassign.ts`): they replace everyone asked, at
   * once; the audit records who moved it, from whom, to whom and why; the new people are told on
   * every channel by the task's lifecycle, durably; the old copies are closed. Who may reassign
   * is the caller's to decide (the server's `Authorization.requireReassign`), passed as
   * `options.allowed`, which is asked on the task as the write reads it (it throws to refuse).
   * @throws TaskNotFoundError, TaskAlreadyResolvedError (409), InvalidArgumentError (400: no
   *   reason, no one, the same people, the requester of a four-eyes task, a staged approval),
   *   TaskContendedError
   */
  async reassign(
    id: string,
    input: ReassignInput,
    as: { principal: string; via?: string },
    options: { allowed?: (task: Task) => void } = {},
  ): Promise<Task> {
    const actor = { principal: checkPrincipal(as.principal), via: as.via ?? 'api' };
    await this.#engine.ready();
    // Someone away is replaced by their delegate: looked up before the write (the task's type,
    // requester and rules, which decide four-eyes, never change).
    const current = await this.#store.getTask(id);
    const named = Array.isArray(input.to) && input.to.length <= MAX_REASSIGN_TO ? input.to : [];
    const delegated =
      current && named.every((p) => typeof p === 'string')
        ? await delegateAll(named, this.#engine.clock.now(), this.away, specOf(current))
        : undefined;
    const { task } = await decideWriteAndKeep(
      this.#store,
      this.#engine.clock,
      id,
      (task) => {
        options.allowed?.(this.#view(task));
        return decideReassign(task, specOf(task), input, actor, delegated);
      },
      this.#observe,
    );
    this.#engine.wake();
    return this.#view(task);
  }

  /**
   * Appends a channel's report about a notice to the task's audit log: `not-notified` when a
   * channel gave up on a recipient after its retries (the deadline still decides). Does nothing
   * for an unknown task.
   */
  async recordNotice(
    id: string,
    notice: { channel: string; action: 'notified' | 'not-notified'; detail: Record<string, unknown> },
  ): Promise<void> {
    await this.#engine.ready();
    await this.#appendAudit(id, { actor: 'system', via: notice.channel, action: notice.action, detail: notice.detail });
  }

  /**
   * Cancels a pending task; its asking workflow receives a `cancelled` result.
   * @throws TaskNotFoundError, TaskAlreadyResolvedError
   */
  async cancel(id: string, as: { principal?: string; reason?: string } = {}): Promise<Task> {
    const actor = as.principal === undefined ? 'system' : checkPrincipal(as.principal);
    await this.#engine.ready();
    const { value: refusal, task } = await decideWriteAndKeep(
      this.#store,
      this.#engine.clock,
      id,
      (task, now): Decision<TaskAlreadyResolvedError | null> => {
        if (task.status !== 'pending') return { value: new TaskAlreadyResolvedError(id, task.status) };
        const result = endResult(task, 'cancelled', null, actor, 'api', as.reason ?? null, now);
        const resultText = JSON.stringify(result);
        return {
          update: {
            status: 'cancelled',
            result: resultText,
            audit: [
              {
                actor,
                via: 'api',
                action: 'cancelled',
                detail: { reason: as.reason ?? null, resultHash: canonicalHash(result) },
              },
            ],
            ...settle(task, resultText),
          },
          value: null,
        };
      },
      this.#observe,
    );
    if (refusal) throw refusal;
    this.#engine.wake();
    return this.#view(task);
  }

  /**
   * Waits for the task to end and returns its result.
   * @throws TaskNotFoundError; HeedError `RESULT_TIMEOUT` when `timeout` passes first.
   */
  async result(id: string, options: { timeout?: Duration } = {}): Promise<TaskResult> {
    await this.#engine.ready();
    const record = await this.#store.getTask(id);
    if (!record) throw new TaskNotFoundError(id);
    const ended = resultOf(record);
    if (ended) return ended;
    return this.#engine.handle<TaskResult>(record.runId).result(options);
  }

  /** The task's audit log. */
  async audit(id: string): Promise<AuditEntry[]> {
    return (await this.#auditOf(id)).entries;
  }

  /** Checks the task's audit chain for edited, inserted or deleted entries. */
  async verifyAudit(id: string): Promise<AuditVerification> {
    const { record, entries } = await this.#auditOf(id);
    return verifyChain(record, entries);
  }

  /** A standing approval's answer: as its approver, via `standing`, if the approver may answer the task. */
  #standingAnswer: StandingAnswer = async (task, standing) => {
    const identities = await identitiesOf(standing.approver, this.#groupsOf);
    if (answerRefusal(task, { principal: standing.approver, identities })) return null;
    return this.respond(
      task.id,
      { outcome: task.quorum.approveOutcome, comment: `Approved by standing approval ${standing.id}` },
      { principal: standing.approver, via: 'standing', standing: standing.id },
    );
  };

  /** The task and its audit log, with a cancellation by its run recorded if it is not yet. */
  async #auditOf(id: string): Promise<{ record: TaskRecord; entries: AuditEntry[] }> {
    await this.#engine.ready();
    const record = await this.#store.getTask(id);
    if (!record) throw new TaskNotFoundError(id);
    const entries = await this.#store.taskAudit(id);
    // A crash right after a run's cancellation committed leaves its task cancelled but not yet
    // audited (see #recordRunCancellations): record it now. (Stores written before task versions
    // audited it in the store: they already have that entry.)
    if (record.status === 'cancelled' && record.result === null && !entries.some((e) => e.action === 'cancelled')) {
      await this.#recordRunCancellations([record.runId]);
      return this.#auditOf(id);
    }
    return { record, entries };
  }

  async #insert(
    spec: NormalizedSpec,
    options: { id: string; askedBy: string | null; via: string },
  ): Promise<{ task: TaskRecord; created: boolean }> {
    await this.#engine.ready();
    const now = this.#engine.clock.now();
    const { task, run, audit, passive } = await this.#newTask(spec, options, now);
    const { task: record, created: isNew } = await this.#store.createTask(task, run, audit, now);
    if (isNew && !passive) this.#engine.wake();
    return { task: record, created: isNew };
  }

  /** What creating a task writes: the row, its lifecycle run, its first audit entries. */
  async #newTask(
    spec: NormalizedSpec,
    options: { id: string; askedBy: string | null; via: string },
    now: number,
  ): Promise<{ task: NewTask; run: NewRun; audit: AuditEntry[]; passive: boolean }> {
    const runId = taskRunId(options.id);
    const created: AuditInput = {
      actor: spec.requester ?? (options.askedBy ? `agent:${options.askedBy}` : 'system'),
      via: options.via,
      action: 'created',
      shownHash: canonicalHash(shownOf(spec)),
      detail: {
        assignees: spec.assignees,
        askedBy: options.askedBy,
        // The explicit choice to let the requester answer their own request is on the record.
        ...(spec.selfApproval === 'allowed' ? { selfApproval: 'allowed' } : {}),
        // The rules the decision will be made under, on the record.
        ...(spec.policy ? { policy: spec.policy } : {}),
        ...(spec.stages ? { stages: spec.stages } : {}),
      },
    };
    // A task with no timed policy and nothing to notify but the inbox needs no execution of its
    // lifecycle: the inbox notice is recorded with the task, the run is created suspended, and
    // the write that ends the task ends the run too (see `settle`).
    // The decision depends on THIS process's notifiers (`#channelsOf`): a process built without
    // the email/Slack notifiers (e.g. a `heed worker` without `--config`) makes its tasks passive
    // and never sends them, so every process that runs workflows must be given the same channels.
    const passive =
      policySchedule(spec, now, this.#later(spec)).length === 0 && this.#channelsOf(spec).length === 0 && !spec.stages;
    // Those away are replaced by their delegates; the `created` entry keeps who was asked.
    const delegated = await delegateAll(spec.assignees, now, this.away, spec);
    const recipients = [...new Set(delegated.principals)].sort();
    const inboxKey = `${options.id}:created:0:inbox`;
    const audit = chainAudit(
      { id: options.id, auditCount: 0, auditHead: null },
      passive
        ? [
            created,
            ...delegated.audit,
            { actor: 'system', via: 'inbox', action: 'notified', detail: { kind: 'created', index: 0, recipients } },
          ]
        : [created, ...delegated.audit],
      now,
    );
    return {
      task: {
        id: options.id,
        type: spec.type,
        title: spec.title,
        spec: JSON.stringify(spec),
        requester: spec.requester,
        idempotencyKey: spec.idempotencyKey,
        runId,
        askedBy: options.askedBy,
        deadline: spec.deadlineMs === null ? null : now + spec.deadlineMs,
        assignees: delegated.principals,
        ...(delegated.moved.size > 0 ? { assigneesFor: delegated.assigneesFor } : {}),
        ...(passive ? { deliveries: [{ key: inboxKey, channel: 'inbox', event: 'created:0' }] } : {}),
      },
      run: {
        id: runId,
        workflow: TASK_WORKFLOW,
        input: JSON.stringify({ taskId: options.id }),
        parentId: options.askedBy,
        suspended: passive,
      },
      audit,
      passive,
    };
  }

  /** A stored task as callers read it, its `channels` saying where its notices go from this process. */
  #view(record: TaskRecord): Task {
    return toTask(record, [...this.#notifiers.keys()]);
  }

  /**
   * The channels a task's notices go to besides the inbox: those it names, or every channel this
   * process's Heed has notifiers for (`HumanTaskOptions.notifiers`), so the answer differs between
   * processes configured differently.
   */
  #channelsOf(spec: NormalizedSpec): string[] {
    const named = spec.channels.length > 0 ? spec.channels : [...this.#notifiers.keys()];
    return named.filter((channel) => channel !== 'inbox');
  }

  /** How a task's reminders and escalations count time: its assignees' working time under `businessHours`. */
  #later(spec: NormalizedSpec): Later | undefined {
    return spec.businessHours ? assigneesLater(spec.assignees, this.#workingHours) : undefined;
  }

  /** The lifecycle workflow's actions; each runs inside a durable step. */
  readonly #policies: TaskPolicies = {
    plan: async (taskId) => {
      const task = await this.#require(taskId);
      const spec = specOf(task);
      return {
        pending: task.status === 'pending',
        events: policySchedule(spec, task.createdAt, this.#later(spec)),
        ...(spec.stages ? { staged: true } : {}),
      };
    },
    stage: async (taskId) => {
      const task = await this.#require(taskId);
      const spec = specOf(task);
      const reassigned = (await this.#reassignments(task)).map((r) => r.index);
      return {
        pending: task.status === 'pending',
        stage: spec.stages ? stageProgress(spec, task.responses).current : 0,
        ...(reassigned.length > 0 ? { reassigned } : {}),
      };
    },
    apply: (taskId, event) => this.#apply(taskId, event),
    notify: (taskId, kind, index) => this.#notify(taskId, kind, index),
    notifyFailed: async (taskId, kind, index, reason) => {
      await this.#writeSurely(taskId, () => ({
        update: {
          audit: [{ actor: 'system', via: 'system', action: 'not-notified', detail: { kind, index, reason } }],
        },
        value: null,
      }));
    },
    result: async (taskId) => {
      const result = resultOf(await this.#require(taskId));
      if (!result) throw new HeedError('TASK_NOT_ENDED', `Task "${taskId}" has not ended`);
      return result;
    },
  };

  /** Applies one timed policy event, idempotently (a re-run after a crash changes nothing twice). */
  async #apply(taskId: string, event: PolicyEvent): Promise<boolean> {
    // The responders an escalation adds, those away replaced by their delegates.
    const escalation = event.kind === 'escalate' ? await this.#escalationTo(taskId, event.index) : null;
    return this.#writeSurely(taskId, (task, now): Decision<boolean> => {
      if (task.status !== 'pending') return { value: false };
      const spec = specOf(task);
      if (event.kind === 'remind') {
        if (task.remindersSent >= event.index) return { value: true };
        return {
          update: {
            remindersSent: event.index,
            audit: [{ actor: 'system', via: 'timer', action: 'reminded', detail: { reminder: event.index } }],
          },
          value: true,
        };
      }
      if (event.kind === 'escalate') {
        if (task.escalationLevel >= event.index) return { value: true };
        const to = escalation?.principals ?? spec.escalate[event.index - 1]?.to ?? [];
        const stands = escalation?.assigneesFor ?? {};
        return {
          update: {
            escalationLevel: event.index,
            addAssignees: to.map((principal) =>
              stands[principal]
                ? { principal, level: event.index, for: stands[principal] }
                : { principal, level: event.index },
            ),
            audit: [
              { actor: 'system', via: 'timer', action: 'escalated', detail: { level: event.index, added: to } },
              ...(escalation?.audit ?? []),
            ],
          },
          value: true,
        };
      }
      return { update: deadlineUpdate(task, spec, now), value: false };
    });
  }

  /** Sends a notification through every channel of the task, each at most once per key. */
  async #notify(taskId: string, kind: NotificationKind, index: number): Promise<void> {
    const record = await this.#require(taskId);
    if (record.status !== 'pending') return;
    const spec = specOf(record);
    const task = this.#view(record);
    const recipients =
      kind === 'escalated'
        ? await this.#escalatedTo(record, spec, index)
        : kind === 'stage'
          ? (spec.stages?.[index]?.approvers ?? [])
          : kind === 'reassigned'
            ? ((await this.#reassignments(record)).find((r) => r.index === index)?.to ?? [])
            : record.assignees.map((a) => a.principal);
    // A task names its channels to narrow them; without any, it goes to every channel Heed has.
    for (const channel of ['inbox', ...this.#channelsOf(spec)]) {
      const key = `${taskId}:${kind}:${index}:${channel}`;
      if (await this.#store.hasDelivery(key)) continue;
      const notifier = this.#notifiers.get(channel);
      const notification: Notification = { key, kind, task, recipients };
      const receipt = notifier ? await notifier.notify(notification) : undefined;
      const delivered = notifier !== undefined || channel === 'inbox';
      await this.#writeSurely(taskId, () => ({
        update: {
          delivery: { key, channel, event: `${kind}:${index}` },
          audit: [
            {
              actor: 'system',
              via: channel,
              action: delivered ? 'notified' : 'not-notified',
              detail: delivered
                ? { kind, index, recipients, ...(receipt?.outbox ? { outbox: true } : {}) }
                : { kind, index, reason: `no notifier for channel "${channel}"` },
            },
          ],
        },
        value: null,
      }));
    }
  }

  /** Whom escalation `level` adds, as of now: the policy's responders, those away replaced by their delegates. */
  async #escalationTo(taskId: string, level: number): Promise<Delegated> {
    const task = await this.#require(taskId);
    const spec = specOf(task);
    return delegateAll(spec.escalate[level - 1]?.to ?? [], this.#engine.clock.now(), this.away, spec);
  }

  /** Whom escalation `level` added, as its audit entry recorded (delegates included). */
  async #escalatedTo(task: TaskRecord, spec: NormalizedSpec, level: number): Promise<string[]> {
    const entry = (await this.#store.taskAudit(task.id)).find(
      (e) => e.action === 'escalated' && (e.detail as { level?: number } | null)?.level === level,
    );
    return (entry?.detail as { added?: string[] } | undefined)?.added ?? spec.escalate[level - 1]?.to ?? [];
  }

  /**
   * Moves `principal`'s pending tasks (those asked of them by name) to their delegate now, each a
   * reassignment by `system` via `away` with the reason "away until …": the same decision path
   * as `reassign`, so the old copies are closed and the delegate is told alike. A staged approval,
   * or a task whose delegate asked for it (four-eyes), stays, with an audit entry saying why.
   * Returns how many moved.
   */
  async #moveAwayTasks(principal: string, record: AwayRecord): Promise<number> {
    await this.#engine.ready();
    const reason = `away until ${new Date(record.until).toISOString()}`;
    let moved = 0;
    let cursor: string | undefined;
    do {
      const page = await this.#store.inbox([principal], { status: 'pending', limit: 100, cursor });
      for (const task of page.items) {
        if (!task.assignees.some((a) => a.principal === principal)) continue;
        if (await this.#moveFromAway(task, principal, reason)) moved++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return moved;
  }

  async #moveFromAway(record: TaskRecord, principal: string, reason: string): Promise<boolean> {
    const spec = specOf(record);
    const delegated = await delegateAll([principal], this.#engine.clock.now(), this.away, spec);
    const delegation = delegated.moved.get(principal);
    const refusal = (why: string) => [
      {
        actor: 'system',
        via: 'away',
        action: 'not-delegated',
        detail: { from: principal, to: delegation?.to, reason: why },
      },
    ];
    if (!delegation || spec.stages) {
      const audit = delegation
        ? refusal('a staged approval is decided by the approvers its policy names')
        : delegated.audit;
      // Said once per task and delegate (the timer that checks after a move would say it again).
      const said =
        audit.length > 0 &&
        (await this.#store.taskAudit(record.id)).some(
          (e) => e.action === 'not-delegated' && canonicalHash(e.detail) === canonicalHash(audit[0]?.detail),
        );
      if (audit.length > 0 && !said) await this.#write(record.id, () => ({ update: { audit }, value: null }));
      return false;
    }
    try {
      const { value: moved } = await decideWriteAndKeep(
        this.#store,
        this.#engine.clock,
        record.id,
        (task): Decision<boolean> => {
          // Ended or moved meanwhile (by someone, or by the other path of the same move): nothing to do.
          if (task.status !== 'pending' || !task.assignees.some((a) => a.principal === principal)) {
            return { value: false };
          }
          const to = task.assignees.map((a) => (a.principal === principal ? delegation.to : a.principal));
          const actor = { principal: 'system', via: 'away' };
          return { ...decideReassign(task, specOf(task), { to, reason }, actor, delegated), value: true };
        },
        this.#observe,
      );
      if (moved) this.#engine.wake();
      return moved;
    } catch (error) {
      // The reassignment refused (e.g. the requester of a four-eyes task asked besides): it stays.
      if (error instanceof InvalidArgumentError) return false;
      throw error;
    }
  }

  /** The task's reassignments, oldest first, from its audit log (rare: read only when one happened). */
  async #reassignments(task: TaskRecord): Promise<{ index: number; to: string[] }[]> {
    if (task.auditCount <= 1) return [];
    const entries = await this.#store.taskAudit(task.id);
    return entries.filter((e) => e.action === 'reassigned').map((e) => e.detail as { index: number; to: string[] });
  }

  /** Decides on the task as read and writes by compare-and-set, again until it holds (see `decideAndWrite`). */
  #write<T>(id: string, decide: (task: TaskRecord, now: number) => Decision<T>): Promise<T> {
    return decideAndWrite(this.#store, this.#engine.clock, id, decide, this.#observe);
  }

  /** Like {@link #write}, never giving up on contention: for the lifecycle's own writes (the deadline always decides). */
  #writeSurely<T>(id: string, decide: (task: TaskRecord, now: number) => Decision<T>): Promise<T> {
    return decideAndWriteSurely(this.#store, this.#engine.clock, id, decide, this.#observe);
  }

  /** Appends one entry to a task's audit log; does nothing for an unknown task. */
  async #appendAudit(id: string, entry: AuditInput): Promise<void> {
    try {
      await this.#write(id, () => ({ update: { audit: [entry] }, value: null }));
    } catch (error) {
      if (!(error instanceof TaskNotFoundError)) throw error;
    }
  }

  /**
   * Records in their audit logs that tasks ended because their lifecycle runs were cancelled (the
   * asking run was cancelled): the store cancelled them with the runs, atomically; the entry and
   * the result (by `system`, via `run`) are written here, right after, by compare-and-set.
   */
  async #recordRunCancellations(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    for (const { id } of await this.#store.tasksOfRuns(runIds)) await this.#settleCancelled(id);
  }

  /**
   * Writes the result and audit entry of every task a run's cancellation ended that has none yet
   * (a crash between the cancellation's commit and {@link #recordRunCancellations} leaves them),
   * through the usual compare-and-set. `heed.start()` calls it; safe to call at any time, from
   * any number of processes (a task already settled is left as it is). Returns how many it settled.
   * @throws the store's error
   */
  async settleCancellations(): Promise<number> {
    await this.#engine.ready();
    let settled = 0;
    let after = '';
    for (;;) {
      const page = await this.#store.unsettledCancelledTasks(100, after);
      for (const { id } of page) if (await this.#settleCancelled(id)) settled++;
      if (page.length < 100) return settled;
      after = page.at(-1)?.id ?? after;
    }
  }

  /** The result and `cancelled` entry of a task its run's cancellation ended; false if it has them already. */
  #settleCancelled(id: string): Promise<boolean> {
    return this.#writeSurely(id, (task, now) => {
      if (task.status !== 'cancelled' || task.result !== null) return { value: false };
      const result = endResult(task, 'cancelled', null, 'system', 'run', null, task.resolvedAt ?? now);
      return {
        update: {
          result: JSON.stringify(result),
          audit: [
            {
              actor: 'system',
              via: 'run',
              action: 'cancelled',
              detail: { runId: task.runId, resultHash: canonicalHash(result) },
            },
          ],
        },
        value: true,
      };
    });
  }

  async #require(taskId: string): Promise<TaskRecord> {
    const task = await this.#store.getTask(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }
}
