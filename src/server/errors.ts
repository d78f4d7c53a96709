import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HeedError } from '../errors.ts';

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<string, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  INVALID_ARGUMENT: 400,
  INVALID_PRINCIPAL: 400,
  NOT_SERIALIZABLE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TASK_FORBIDDEN: 403,
  NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  CHAT_NOT_FOUND: 404,
  INTERRUPT_NOT_FOUND: 404,
  UNKNOWN_WORKFLOW: 404,
  TASK_ALREADY_RESOLVED: 409,
  ALREADY_RESPONDED: 409,
  TASK_CONTENDED: 409,
  RUN_STATE_CONFLICT: 409,
  LINK_USED: 409,
  CHAT_BUSY: 409,
  CHAT_NOT_LATEST: 409,
  INTERRUPT_PENDING: 409,
  INTERRUPT_EXPIRED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  RUN_ID_TAKEN: 409,
  APPROVAL_CONSUMED: 409,
  APPROVAL_NOT_USABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_REQUEST: 422,
  INVALID_TASK: 422,
  INVALID_RESUME: 422,
  NOTHING_TO_RUN: 422,
  OUTCOME_NOT_ALLOWED: 422,
  COMMENT_REQUIRED: 422,
  VALIDATION_FAILED: 422,
  RUN_ID_RESERVED: 422,
  EDIT_NOT_ALLOWED: 422,
  POLICY_VIOLATION: 422,
  STORE_DATA_ERROR: 422,
  INVALID_AWAY: 422,
  DELEGATE_LOOP: 422,
  TOO_MANY_REQUESTS: 429,
  STORE_LOCKED: 503,
  STORE_READ_ONLY: 503,
  STORE_CORRUPT: 503,
  STORE_FULL: 507,
  STORE_UNAVAILABLE: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** An error raised by the HTTP layer itself (bad auth, bad body, unknown route). */
export class HttpError extends HeedError {
  readonly issues: { path: string; message: string }[] | undefined;
  constructor(code: string, message: string, issues?: { path: string; message: string }[]) {
    super(code, message);
    this.issues = issues;
  }
}

/** Status and `{"error": {...}}` body for any thrown value; unknown errors are 500s without details. */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof HeedError) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues;
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (issues && issues.length > 0) body.error.issues = issues;
    return { status: STATUS[error.code] ?? 500, body };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error' } } };
}

/** Hono error handler: maps errors, logs the unexpected ones. */
export function onError(error: Error, c: Context) {
  const { status, body } = errorResponse(error);
  if (status === 500) console.error('[heed] request failed', error);
  return c.json(body, status);
}
