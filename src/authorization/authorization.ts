/**
 * The one place that decides who may do what (DESIGN.md "Identity and authority"): every route of
 * the HTTP service, the chat and the agent inbox ask it; none decides alone. Each decision is one
 * cell of principal × action × resource (the matrix in docs/identity-and-authority.md).
 *
 * Two answers besides "yes": a resource the caller may not see is *not found* (its existence is
 * not leaked: `TaskNotFoundError`/`RunNotFoundError`, HTTP 404); one it sees but may not act on is
 * *forbidden* (`ForbiddenError`, HTTP 403). Who may *answer* a task (a person, an assignee,
 * four-eyes) is the human layer's rule (`answerRefusal`, `human/responses.ts`), enforced in the
 * same compare-and-set as the answer; every channel answers through `answer` here, so the rule and
 * the visibility check are the same on all of them.
 */
import {
  ForbiddenError,
  RunIdTakenError,
  RunNotFoundError,
  TaskForbiddenError,
  TaskNotFoundError,
  UnknownWorkflowError,
} from '../errors.ts';
import type { RunInfo } from '../engine/run-info.ts';
import { identitiesOf, type MembershipLookup } from '../human/principals.ts';
import { answerEach, type BatchItem, type BatchItemOutcome } from '../human/batch.ts';
import { answerRefusal, isOpenTask } from '../human/responses.ts';
import { StandingApprovalNotFoundError } from '../human/standing.ts';
import type { ReassignRule } from '../human/policies/policy.ts';
import type { HumanTasks } from '../human/tasks.ts';
import type { ResponseInput, Task } from '../human/types.ts';

/** Who is calling, as established from credentials (never from a field the caller sets). */
export interface Caller {
  /** The principal the credentials belong to; `system` in development mode without a principal. */
  principal: string;
  /** Admins (and `system`) may see and manage every task and run, but never answer as someone else. */
  admin: boolean;
  /** The principal and the groups (and addresses) it acts as. */
  identities: readonly string[];
}

/** Every principal, in an allow-list. */
export const EVERYONE = '*';

/** What the decisions depend on (from `heed serve --config`). */
export interface AuthorizationOptions {
  /** Principals that may see and manage everything. */
  admins: ReadonlySet<string>;
  groupsOf?: MembershipLookup | undefined;
  /** Development mode: no API keys, loopback only, any non-internal workflow may be started. */
  devMode: boolean;
  /**
   * With API keys: workflow name → principals or groups that may start it (`"*"`: everyone), e.g.
   * `{"banking": ["*"], "refund": ["group:support"]}`. Admins may start any. Config key `startable`.
   */
  startable?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * Principals or groups allowed to emit events (`events`), to send messages to runs
   * (`messages`) and to read the Prometheus metrics (`metrics`). Admins always may. Config key
   * `permissions`.
   */
  permissions?:
    | {
        events?: readonly string[] | undefined;
        messages?: readonly string[] | undefined;
        metrics?: readonly string[] | undefined;
      }
    | undefined;
  /** The registry of workflows: which names exist and which are Heed's own (internal). */
  workflows: { isInternal(name: string): boolean; hasWorkflow(name: string): boolean };
}

/** A run as far as authorization needs it. */
type RunLike = Pick<RunInfo, 'id' | 'workflow' | 'initiator'>;
/** What deciding who sees a task needs of it (a `Task`, or the task as the human layer reads it). */
type TaskLike = { requester: string | null; assignees: readonly { principal: string; level: number }[] };

/** The decisions. Methods named `require…` throw; `may…`/`can…` answer with a boolean. */
export class Authorization {
  readonly #options: AuthorizationOptions;

  constructor(options: AuthorizationOptions) {
    this.#options = options;
  }

  /** Whether there are no API keys (development mode). */
  get devMode(): boolean {
    return this.#options.devMode;
  }

  /** The caller for a principal established by credentials (or `system` in development mode). */
  async caller(principal: string): Promise<Caller> {
    const identities = await identitiesOf(principal, this.#options.groupsOf);
    const admin = principal === 'system' || identities.some((i) => this.#options.admins.has(i));
    return { principal, admin, identities };
  }

  // ── tasks ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Tasks are visible to their assignees (direct, group, escalated), their requester and admins;
   * open tasks (created without assignees; an escalation only adds responders) to anyone.
   */
  canSeeTask(caller: Caller, task: TaskLike): boolean {
    if (caller.admin) return true;
    if (task.requester !== null && caller.identities.includes(task.requester)) return true;
    if (isOpenTask(task.assignees)) return true;
    return task.assignees.some((a) => caller.identities.includes(a.principal));
  }

  /**
   * Whether `caller` may answer `task`, decided as the answer itself will be (visibility, then the
   * human layer's `answerRefusal`), for what a channel shows before answering: a link's page, a
   * Slack modal. Writes nothing; the answer decides again when it is written.
   * @throws TaskNotFoundError (does not exist, or the caller may not see it), TaskForbiddenError
   *   (visible, but the caller may not answer: a group, the requester, not an assignee).
   */
  requireAnswer(caller: Caller, task: Task | undefined, id: string): Task {
    const visible = this.requireTask(caller, task, id);
    const refusal = answerRefusal(visible, caller);
    if (refusal) throw new TaskForbiddenError(refusal);
    return visible;
  }

  /**
   * Answers a task as `caller`, via a channel: the one answer path of every channel (the HTTP API,
   * the inbox and the CLI through it, one-click links, Slack, the chat), so who may answer is the
   * same everywhere. A task the caller may not see is not found, checked inside the answer's
   * compare-and-set (nothing written); then the human layer's rule (a person, an assignee,
   * four-eyes), whose refusals are audited once per principal and reason.
   * @throws TaskNotFoundError, TaskForbiddenError, TaskAlreadyResolvedError, AlreadyRespondedError,
   *   InvalidResponseError, InvalidPrincipalError (`system` never answers): see `HumanTasks.respond`.
   */
  answer(
    tasks: Pick<HumanTasks, 'respond'>,
    caller: Caller,
    id: string,
    input: ResponseInput,
    via: string,
  ): Promise<Task> {
    return tasks.respond(
      id,
      input,
      { principal: caller.principal, via },
      { visible: (t) => this.canSeeTask(caller, t) },
    );
  }

  /**
   * Answers many tasks as `caller` (batch decisions, `human/batch.ts`): each through {@link answer},
   * so each is checked and audited on its own; per item the task or the error.
   * @throws InvalidArgumentError when the batch is malformed (empty, too long, a task twice).
   */
  answerBatch(
    tasks: Pick<HumanTasks, 'respond'>,
    caller: Caller,
    items: readonly BatchItem[],
    via: string,
  ): Promise<BatchItemOutcome[]> {
    return answerEach(items, (id, input) => this.answer(tasks, caller, id, input, via));
  }

  /**
   * Read a task (get, result, audit) or try to answer it.
   * @throws TaskNotFoundError when it does not exist or the caller may not see it.
   */
  requireTask(caller: Caller, task: Task | undefined, id: string): Task {
    if (!task || !this.canSeeTask(caller, task)) throw new TaskNotFoundError(id);
    return task;
  }

  /**
   * Cancel a task: its requester and admins.
   * @throws TaskNotFoundError (not visible), ForbiddenError (visible, not the requester).
   */
  requireCancelTask(caller: Caller, task: Task | undefined, id: string): Task {
    const visible = this.requireTask(caller, task, id);
    if (caller.admin || (visible.requester !== null && caller.identities.includes(visible.requester))) return visible;
    throw new ForbiddenError('Only the requester or an admin may cancel a task');
  }

  /**
   * Hand a task to someone else (`POST /v1/tasks/{id}/reassign`): admins always; under the rule of
   * the task's policy (`reassign`), the people asked (as a person, by the answer rule: not a group,
   * not the requester of a four-eyes task) unless the policy says `admins`, and the requester
   * where it says `assignees-and-requester`. Anyone else who may see the task gets a 403.
   * Evaluated on the task as the write reads it, so a concurrent reassignment cannot be overtaken.
   * @throws TaskNotFoundError (not visible), ForbiddenError
   */
  requireReassign(caller: Caller, task: Task | undefined, id: string, rule: ReassignRule): Task {
    const visible = this.requireTask(caller, task, id);
    if (caller.admin) return visible;
    if (rule === 'admins') throw new ForbiddenError('Under its policy only admins may reassign this task');
    const requester = visible.requester !== null && caller.identities.includes(visible.requester);
    if (requester && rule === 'assignees-and-requester') return visible;
    const asked = visible.assignees.some((a) => caller.identities.includes(a.principal));
    const refusal = answerRefusal(visible, caller);
    if (!asked || refusal) {
      throw new ForbiddenError(`Only those asked (or an admin) may reassign this task${refusal ? `: ${refusal}` : ''}`);
    }
    return visible;
  }

  /**
   * Use an approval to act (`POST /v1/tasks/{id}/consume`): the one who asked acts on it, so its
   * requester and admins.
   * @throws TaskNotFoundError (not visible), ForbiddenError (visible, not the requester).
   */
  requireUseApproval(caller: Caller, task: Task | undefined, id: string): Task {
    const visible = this.requireTask(caller, task, id);
    if (caller.admin || (visible.requester !== null && caller.identities.includes(visible.requester))) return visible;
    throw new ForbiddenError('Only the requester of an approval (or an admin) may use it');
  }

  /**
   * The requester of a task the caller creates: the caller, unless an admin names another (a
   * non-admin may only name itself or a group it is in). `system` names no one by default.
   * @throws ForbiddenError
   */
  requesterFor(caller: Caller, named: string | undefined): string | undefined {
    if (named !== undefined) {
      if (!caller.admin && !caller.identities.includes(named)) {
        throw new ForbiddenError(`${caller.principal} may not create tasks in the name of ${named}`);
      }
      return named;
    }
    return caller.principal === 'system' ? undefined : caller.principal;
  }

  /**
   * Which tasks a list may return: admins any; others their own inbox (`assignee` = themselves)
   * or the tasks they requested (`requester` = themselves).
   * @throws ForbiddenError for another principal's inbox or requests.
   */
  taskListScope(
    caller: Caller,
    query: { assignee?: string | undefined; requester?: string | undefined },
  ): { assignee?: string | undefined; requester?: string | undefined } {
    if (caller.admin) return query;
    if (query.requester !== undefined && query.assignee === undefined) {
      if (!caller.identities.includes(query.requester)) {
        throw new ForbiddenError(`${caller.principal} may only list the tasks it requested`);
      }
      return { requester: query.requester };
    }
    const assignee = query.assignee ?? caller.principal;
    if (assignee !== caller.principal) throw new ForbiddenError(`${caller.principal} may only list its own inbox`);
    if (query.requester !== undefined) throw new ForbiddenError('List by assignee or by requester, not both');
    return { assignee };
  }

  // ── standing approvals (human/standing.ts) ────────────────────────────────────────────────

  /**
   * Let an approval stand (`POST /v1/tasks/{id}/standing`): a person (not `system`) who may see
   * the task; the human layer then requires them to be among its approvers (`decideGrant`).
   * @throws TaskNotFoundError (not visible), ForbiddenError (no principal).
   */
  requireGrantStanding(caller: Caller, task: Task | undefined, id: string): Task {
    const visible = this.requireTask(caller, task, id);
    if (caller.principal === 'system') throw new ForbiddenError('A standing approval needs a principal');
    return visible;
  }

  /**
   * Whose standing approvals `GET /v1/standing-approvals` lists: admins anyone's (`approver`, or
   * all), everyone else only their own.
   * @throws ForbiddenError when a non-admin names another approver.
   */
  standingListScope(caller: Caller, approver: string | undefined): string | undefined {
    if (caller.admin) return approver;
    if (approver !== undefined && approver !== caller.principal) {
      throw new ForbiddenError(`${caller.principal} may only list its own standing approvals`);
    }
    return caller.principal;
  }

  /**
   * Revoke a standing approval: its approver and admins; to anyone else it does not exist.
   * @throws StandingApprovalNotFoundError (NOT_FOUND).
   */
  requireRevokeStanding(caller: Caller, standing: { approver: string } | undefined, id: string): void {
    if (standing && (caller.admin || standing.approver === caller.principal)) return;
    throw new StandingApprovalNotFoundError(id);
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────

  /** Internal runs (task lifecycles, webhook deliveries) are invisible to everyone. */
  isInternal(workflow: string): boolean {
    return this.#options.workflows.isInternal(workflow);
  }

  /** A run is visible to its initiator and to admins; internal runs to no one. */
  canSeeRun(caller: Caller, run: RunLike): boolean {
    if (this.isInternal(run.workflow)) return false;
    return caller.admin || (run.initiator !== null && caller.identities.includes(run.initiator));
  }

  /**
   * Read, stream or cancel a run (and re-attach a chat to it).
   * @throws RunNotFoundError when it does not exist, is internal, or is not the caller's.
   */
  requireRun<R extends RunLike>(caller: Caller, run: R | undefined, id: string): R {
    if (!run || !this.canSeeRun(caller, run)) throw new RunNotFoundError(id);
    return run;
  }

  /**
   * Start a workflow (POST /v1/runs, POST /v1/chat). Development mode: any non-internal
   * workflow; with API keys: admins any, others those `startable` lists for them.
   * `existing` is the run that already has the requested id, if any: it must be the caller's.
   * @throws UnknownWorkflowError (unknown or internal: 404), ForbiddenError (403),
   *   RunIdTakenError (409, the id belongs to a run the caller may not see).
   */
  requireStart(caller: Caller, workflow: string, existing?: RunLike): void {
    if (!this.#options.workflows.hasWorkflow(workflow) || this.isInternal(workflow)) {
      throw new UnknownWorkflowError(workflow);
    }
    if (!this.mayStart(caller, workflow)) {
      throw new ForbiddenError(`${caller.principal} may not start workflow "${workflow}"`);
    }
    if (existing && !this.canSeeRun(caller, existing)) throw new RunIdTakenError(existing.id);
  }

  /** Whether the caller may start `workflow` (not counting whether it exists). */
  mayStart(caller: Caller, workflow: string): boolean {
    if (this.isInternal(workflow)) return false;
    if (caller.admin || this.#options.devMode) return true;
    const allowed = this.#options.startable?.[workflow] ?? [];
    return allowed.includes(EVERYONE) || caller.identities.some((i) => allowed.includes(i));
  }

  /** Which runs a list may return: admins any non-internal run; others the runs they started. */
  runListScope(caller: Caller): { initiator?: string } {
    return caller.admin ? {} : { initiator: caller.principal };
  }

  /**
   * Send a message to a run: admins and holders of the `messages` permission (any non-internal
   * run); the run's initiator sees it but needs the permission too.
   * @throws RunNotFoundError (not visible), ForbiddenError (visible, no permission).
   */
  requireSendMessage<R extends RunLike>(caller: Caller, run: R | undefined, id: string): R {
    const holder = this.#holds(caller, 'messages');
    if (!run || this.isInternal(run.workflow) || !(holder || this.canSeeRun(caller, run))) {
      throw new RunNotFoundError(id);
    }
    if (!holder) throw new ForbiddenError(`${caller.principal} may not send messages to runs (permission "messages")`);
    return run;
  }

  /**
   * Emit an event (it may wake any run waiting for it): admins and holders of `events`.
   * @throws ForbiddenError
   */
  requireEmit(caller: Caller): void {
    if (!this.#holds(caller, 'events')) {
      throw new ForbiddenError(`${caller.principal} may not emit events (permission "events")`);
    }
  }

  /**
   * Read the Prometheus metrics (`GET /metrics`): admins and holders of `metrics` (a scraper's key).
   * @throws ForbiddenError
   */
  requireMetrics(caller: Caller): void {
    if (!this.#holds(caller, 'metrics')) {
      throw new ForbiddenError(`${caller.principal} may not read metrics (permission "metrics")`);
    }
  }

  /**
   * Whose decision insights the caller may read (`GET /v1/insights`): admins everyone's (`null`)
   * or one person's; anyone else only their own, whatever they ask for.
   * @throws ForbiddenError when a non-admin asks for someone else's
   */
  insightsScope(caller: Caller, requested: string | undefined): string | null {
    if (caller.admin) return requested ?? null;
    if (requested !== undefined && requested !== caller.principal) {
      throw new ForbiddenError(`${caller.principal} may read only their own insights`);
    }
    return caller.principal;
  }

  /**
   * Read, set or clear someone's absence (`/v1/me/away`, `/v1/people/{principal}/away`): the
   * person themself, and admins for anyone.
   * @throws ForbiddenError
   */
  requireAway(caller: Caller, principal: string): void {
    if (caller.admin || caller.principal === principal) return;
    throw new ForbiddenError(`Only ${principal} or an admin may see or set their absence`);
  }

  /**
   * Admin-only views (outgoing webhook deliveries).
   * @throws ForbiddenError
   */
  requireAdmin(caller: Caller, what: string): void {
    if (!caller.admin) throw new ForbiddenError(`Only admins may ${what}`);
  }

  // ── chat (/v1/chat follows exactly the rules of /v1/runs) ──────────────────────────────────

  /**
   * A chat turn on `agent`: the same rule as starting the workflow over `POST /v1/runs`, and a
   * chat id that names an existing run must name one of the caller's (else 409, nothing leaked).
   * @throws UnknownWorkflowError, ForbiddenError, RunIdTakenError
   */
  requireChatTurn(caller: Caller, agent: string, existing?: RunLike): void {
    // The thread of a chat is checked by `requireChatThread`; `existing` is for run-id chats.
    this.requireStart(caller, agent, existing);
  }

  /**
   * Use a chat thread (send a turn, answer its approvals, resume or reload its stream): its owner
   * (the principal that opened it, the initiator of its runs) and admins, as for a run.
   * @throws the error `notFound` makes, when it does not exist or is not the caller's.
   */
  requireChatThread<T extends { owner: string }>(caller: Caller, thread: T | undefined, notFound: () => Error): T {
    if (!thread || !(caller.admin || caller.identities.includes(thread.owner))) throw notFound();
    return thread;
  }

  // ── A2A (/a2a: an A2A task is a run the calling agent started) ─────────────────────────────

  /**
   * An A2A task is its caller's (the principal that sent the message, the initiator of its run):
   * only that caller and admins may read it, follow it, set its push notifications or cancel it
   * (the caller is the requester of what it asks, and a requester may cancel its request).
   * Anyone else is told it does not exist.
   * @throws TaskNotFoundError
   */
  requireA2ATask<R extends Pick<RunInfo, 'initiator'>>(caller: Caller, run: R | undefined, id: string): R {
    if (!run || !(caller.admin || (run.initiator !== null && caller.identities.includes(run.initiator)))) {
      throw new TaskNotFoundError(id);
    }
    return run;
  }

  /** Which A2A tasks a list may return: admins any; others the ones they started. */
  a2aListScope(caller: Caller): { initiator?: string } {
    return caller.admin ? {} : { initiator: caller.principal };
  }

  /**
   * Send a message to the A2A agent asking for a workflow skill: the same rule as starting the
   * workflow over `POST /v1/runs` (Heed's own skills, `request_approval` and `ask_human`, are
   * for every caller, like `POST /v1/tasks`, under the approval policies).
   * @throws UnknownWorkflowError, ForbiddenError
   */
  requireA2AWorkflow(caller: Caller, workflow: string): void {
    this.requireStart(caller, workflow);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  #holds(caller: Caller, permission: 'events' | 'messages' | 'metrics'): boolean {
    if (caller.admin) return true;
    const allowed = this.#options.permissions?.[permission] ?? [];
    return allowed.includes(EVERYONE) || caller.identities.some((i) => allowed.includes(i));
  }
}
