/**
 * Heed's error hierarchy. Every error Heed raises is a {@link HeedError} with a stable string
 * `code`; the HTTP server maps codes to statuses in one place. User code throws
 * {@link TerminalError} (do not retry) or {@link RetryableError} (retry, optionally after a delay).
 */

/** Base class of every error raised by Heed. `code` is stable and safe to switch on. */
export class HeedError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown by user code inside a step: the step fails at once, without further retries. */
export class TerminalError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TERMINAL', message, options);
  }
}

/** Thrown by user code inside a step: the step is retried, after `retryAfterMs` when given. */
export class RetryableError extends HeedError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('RETRYABLE', message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The workflow called a different operation than its recorded history has at this position. */
export class NonDeterminismError extends HeedError {
  constructor(message: string) {
    super('NON_DETERMINISM', message);
  }
}

/** A workflow name was used that is not registered with this Heed instance. */
export class UnknownWorkflowError extends HeedError {
  constructor(name: string) {
    super('UNKNOWN_WORKFLOW', `No workflow named "${name}" is registered`);
  }
}

/** A workflow name was registered twice. */
export class DuplicateWorkflowError extends HeedError {
  constructor(name: string) {
    super('DUPLICATE_WORKFLOW', `A workflow named "${name}" is already registered`);
  }
}

/** A value that must be stored (input, step result, message, event) is not plain JSON. */
export class SerializationError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_SERIALIZABLE', message, options);
  }
}

/** Input to a Heed API was malformed (bad duration, bad option, empty name, …). */
export class InvalidArgumentError extends HeedError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** No run has the given id. */
export class RunNotFoundError extends HeedError {
  constructor(runId: string) {
    super('RUN_NOT_FOUND', `No run with id "${runId}"`);
  }
}

/** The run is not in a state that allows the operation (e.g. resuming a run that succeeded). */
export class RunStateError extends HeedError {
  constructor(message: string) {
    super('RUN_STATE_CONFLICT', message);
  }
}

/** Awaiting the result of a run that failed; `cause` is the run's error. */
export class RunFailedError extends HeedError {
  readonly runId: string;
  constructor(runId: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('RUN_FAILED', `Run "${runId}" failed: ${detail}`, { cause });
    this.runId = runId;
  }
}

/** Awaiting the result of a run that was cancelled. */
export class RunCancelledError extends HeedError {
  readonly runId: string;
  constructor(runId: string) {
    super('RUN_CANCELLED', `Run "${runId}" was cancelled`);
    this.runId = runId;
  }
}

/**
 * A step failed for good (retries exhausted, or `TerminalError`). The same error, rebuilt from
 * the record, is thrown on the first run and on every replay; `cause` is the step's last error.
 */
export class StepFailedError extends HeedError {
  readonly stepName: string;
  readonly attempts: number;
  constructor(stepName: string, attempts: number, cause: Error) {
    super(
      'STEP_FAILED',
      `Step "${stepName}" failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${cause.message}`,
      { cause },
    );
    this.stepName = stepName;
    this.attempts = attempts;
  }
}

/** A step exceeded its `timeout`. Retryable like any other step failure. */
export class StepTimeoutError extends HeedError {
  constructor(stepName: string, timeoutMs: number) {
    super('STEP_TIMEOUT', `Step "${stepName}" timed out after ${timeoutMs} ms`);
  }
}

/** A step threw something that is not an Error (a string, a number, …). */
export class NonErrorThrownError extends HeedError {
  readonly thrown: unknown;
  constructor(stepName: string, thrown: unknown) {
    super('NON_ERROR_THROWN', `Step "${stepName}" threw a non-Error value: ${describe(thrown)}`);
    this.thrown = thrown;
  }
}

/**
 * This worker no longer owns the run (its lease expired and another worker took it, or the run
 * was cancelled). The execution is abandoned; nothing it would have written is written.
 */
export class LeaseLostError extends HeedError {
  constructor(runId: string) {
    super('LEASE_LOST', `This worker no longer holds run "${runId}"`);
  }
}

/** The store is unusable: corrupt file, not a database, or an I/O error. */
export class StoreCorruptError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CORRUPT', message, options);
  }
}

/** The store is locked by another process for longer than the configured busy timeout. */
export class StoreLockedError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_LOCKED', message, options);
  }
}

/**
 * The database server cannot be reached (down, restarting, out of connections). `retried` tells
 * whether Heed kept trying for its timeout first; when false, the connection broke while a write
 * was in flight, so whether it committed is unknown (every Heed write is safe to repeat).
 */
export class StoreUnavailableError extends HeedError {
  readonly retried: boolean;
  constructor(message: string, cause: unknown, retried: boolean) {
    super('STORE_UNAVAILABLE', `${message}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.retried = retried;
  }
}

/**
 * The database refused the data of a write (PostgreSQL SQLSTATE classes 22 and 23 other than a
 * unique key conflict; SQLite's constraint, type and size errors). The write was rolled back
 * whole, and repeating it fails the same way: a run whose write is refused fails with this error
 * instead of being handed back and retried.
 */
export class StoreDataError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_DATA_ERROR', message, options);
  }
}

/** The store was written by a newer version of Heed; this version must not touch it. */
export class StoreVersionError extends HeedError {
  constructor(found: number, supported: number) {
    super(
      'STORE_SCHEMA_TOO_NEW',
      `The store has schema version ${found}, newer than the ${supported} this version of Heed understands; upgrade Heed`,
    );
  }
}

/** The Heed instance is stopped or the store is closed. */
export class ClosedError extends HeedError {
  constructor(message = 'Heed is stopped') {
    super('CLOSED', message);
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// ── human tasks ─────────────────────────────────────────────────────────────────────────────

/** A task spec is malformed (unknown type, empty title, bad duration, …); `issues` say where. */
export class InvalidTaskError extends HeedError {
  readonly issues: { path: string; message: string }[];
  constructor(message: string, issues: { path: string; message: string }[] = []) {
    super(
      'INVALID_TASK',
      issues.length ? `${message}: ${issues.map((i) => `${i.path || '(spec)'}: ${i.message}`).join('; ')}` : message,
    );
    this.issues = issues;
  }
}

/**
 * The store's disk (or its database's quota) is full: the write was rolled back whole, nothing is
 * half-written, and the same call succeeds once space is freed (HTTP 507).
 */
export class StoreFullError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_FULL', message, options);
  }
}

/** The store cannot be written: a read-only file or directory, or no permission (say which, no stack trace). */
export class StoreReadOnlyError extends HeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_READ_ONLY', message, options);
  }
}

/** The task's payload (description, payload, action) is larger than the configured limit. */
export class PayloadTooLargeError extends HeedError {
  constructor(bytes: number, limit: number) {
    super('PAYLOAD_TOO_LARGE', `The task is ${bytes} bytes of JSON, over the limit of ${limit}`);
  }
}

/** A principal is not `user:…`, `group:…`, `email:…` (or `agent:…`/`system` where allowed). */
export class InvalidPrincipalError extends HeedError {
  constructor(principal: unknown) {
    super(
      'INVALID_PRINCIPAL',
      `${JSON.stringify(principal)} is not a principal; use user:NAME, group:NAME, email:ADDRESS or agent:NAME`,
    );
  }
}

/**
 * An absence that cannot be set (`PUT /v1/me/away`, HTTP 422): `INVALID_AWAY` (a period that is
 * over or backwards, a delegate who cannot answer, oneself) or `DELEGATE_LOOP` (the delegates
 * lead back to the person during the period).
 */
export class AwayRefusedError extends HeedError {
  constructor(code: 'INVALID_AWAY' | 'DELEGATE_LOOP', message: string) {
    super(code, message);
  }
}

/** No task has the given id. */
export class TaskNotFoundError extends HeedError {
  constructor(taskId: string) {
    super('TASK_NOT_FOUND', `No task with id "${taskId}"`);
  }
}

/** The caller may see the resource but may not do this to it (HTTP 403). */
export class ForbiddenError extends HeedError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** A run id asked for (`POST /v1/runs` `id`, a chat id) belongs to a run the caller may not see (HTTP 409). */
export class RunIdTakenError extends HeedError {
  constructor(id: string) {
    super('RUN_ID_TAKEN', `The run id "${id}" is taken; choose another`);
  }
}

/**
 * A run id asked for (`POST /v1/runs` `id`) is in one of the namespaces of Heed's own runs
 * (`task:`, `channel:`, …; see `run-ids.ts`), which callers may not use (HTTP 422).
 */
export class RunIdReservedError extends HeedError {
  constructor(id: string, namespace: string) {
    super(
      'RUN_ID_RESERVED',
      `The run id "${id}" is in the "${namespace}:" namespace, which Heed keeps for its own runs; choose another id`,
    );
  }
}

/** The task already ended (resolved, expired or cancelled): this response came too late. */
export class TaskAlreadyResolvedError extends HeedError {
  readonly status: string;
  constructor(taskId: string, status: string) {
    super('TASK_ALREADY_RESOLVED', `Task "${taskId}" is already ${status}`);
    this.status = status;
  }
}

/**
 * The task kept changing under a write: it was read, decided on and written by compare-and-set
 * many times, and every time another writer had changed it first. Nothing of this write was
 * stored; trying again later is safe.
 */
export class TaskContendedError extends HeedError {
  constructor(taskId: string, attempts: number) {
    super(
      'TASK_CONTENDED',
      `Task "${taskId}" changed under ${attempts} attempts to write it; nothing was written, try again`,
    );
  }
}

/** The principal may not answer this task (not an assignee, or the requester approving their own request). */
export class TaskForbiddenError extends HeedError {
  constructor(message: string) {
    super('TASK_FORBIDDEN', message);
  }
}

/** The principal already responded to this task (quorum counts distinct principals). */
export class AlreadyRespondedError extends HeedError {
  constructor(taskId: string, principal: string) {
    super('ALREADY_RESPONDED', `${principal} already responded to task "${taskId}"`);
  }
}

/** A response is invalid for the task: outcome not allowed, missing comment, data or args failing their schema. */
export class InvalidResponseError extends HeedError {
  readonly issues: { path: string; message: string }[];
  constructor(code: string, message: string, issues: { path: string; message: string }[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

/**
 * A request asked for less than the approval policy that governs it allows (other assignees, a
 * later deadline, an approving timeout, self-approval, …), or no policy governs it and the server
 * names no default approvers. Nothing is created. `issues` name each field and the policy.
 */
export class PolicyViolationError extends HeedError {
  readonly issues: { path: string; message: string }[];
  readonly policy: string | null;
  constructor(policy: string | null, issues: { path: string; message: string }[]) {
    super(
      'POLICY_VIOLATION',
      policy === null
        ? issues.map((i) => i.message).join('; ')
        : `The request is looser than approval policy "${policy}" allows: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.policy = policy;
    this.issues = issues;
  }
}

/**
 * An approval cannot be used for this action: it was not approved, it was used already (an
 * approval is consumed once), or it was given for another tool, other arguments, another run or
 * another requester. `reason` says which: `not-approved`, `consumed`, `mismatch`.
 */
export class ApprovalNotUsableError extends HeedError {
  readonly reason: 'not-approved' | 'consumed' | 'mismatch';
  constructor(taskId: string, reason: 'not-approved' | 'consumed' | 'mismatch', detail: string) {
    super(reason === 'consumed' ? 'APPROVAL_CONSUMED' : 'APPROVAL_NOT_USABLE', `Approval ${taskId}: ${detail}`);
    this.reason = reason;
  }
}
