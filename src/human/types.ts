import type { z } from 'zod';
import type { Duration } from '../time/duration.ts';
import type { AppliedPolicy, TaskStages } from './policies/apply.ts';

/** The six kinds of things a person can be asked. */
export const TASK_TYPES = ['approval', 'review', 'form', 'manual_action', 'override', 'clarification'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Outcomes each type offers when the spec lists none. */
export const DEFAULT_OUTCOMES = {
  approval: ['approve', 'reject'],
  review: ['approve', 'request_changes', 'reject'],
  form: ['submit'],
  manual_action: ['done', 'failed'],
  override: ['approve', 'deny'],
  clarification: ['answer'],
} as const satisfies Record<TaskType, readonly string[]>;
export type DefaultOutcome<T extends TaskType> = (typeof DEFAULT_OUTCOMES)[T][number];

/** Outcomes that need a comment unless the spec says otherwise: saying no needs a reason. */
export const DEFAULT_COMMENT_REQUIRED = ['reject', 'deny', 'request_changes'];

/** A JSON Schema object (as stored). */
export type JsonSchema = Record<string, unknown>;

/** What the spec accepts for a schema: a zod schema (converted) or a JSON Schema. */
export type SchemaInput = z.ZodType | JsonSchema;

/** A principal: `user:alice`, `group:finance`, `email:bob@example.com`, `agent:banking`. */
export type Principal = string;

/**
 * What a person is asked (DESIGN.md, "Human tasks"). `O` is the outcome union and `D` the type
 * of the form data, inferred from `outcomes` and `form`, so that `ctx.ask` returns a typed result.
 */
export interface TaskSpec<
  T extends TaskType = TaskType,
  O extends string = string,
  F extends SchemaInput | undefined = SchemaInput | undefined,
> {
  type: T;
  title: string;
  /** Markdown. */
  description?: string;
  /** JSON context shown to the person. */
  payload?: unknown;
  /** For approvals of an agent action: the approval is bound to a hash of the canonical args. */
  action?: { tool: string; args: Record<string, unknown>; schema?: SchemaInput };
  outcomes?: readonly O[];
  /** The data a person must submit, validated on response. */
  form?: F;
  /** The approver may edit `action.args` (validated against `action.schema`). */
  allowEdit?: boolean;
  /** Outcomes that need a comment; default: reject, deny and request_changes. `false`: none. */
  requireComment?: readonly string[] | boolean;
  assignees?: readonly Principal[];
  /** Who asked; may not answer their own approval, review or override (see `selfApproval`). */
  requester?: Principal;
  /**
   * `'allowed'`: the requester may answer their own approval, review or override, for
   * confirmations ("Send this email?") where the person asked *is* the requester. Recorded in the
   * audit chain. Default `'forbidden'` (four-eyes).
   */
  selfApproval?: 'allowed' | 'forbidden';
  /** Approvals needed from distinct principals (default 1); any other outcome ends it unless `rejectEnds: false`. */
  quorum?: number | { approvals: number; rejectEnds?: boolean };
  remind?: { after: Duration; every?: Duration; max?: number };
  escalate?: readonly { after: Duration; to: readonly Principal[] }[];
  deadline?: Duration;
  /** At the deadline: `reject` (default, fail closed), `approve`, `expire`, or a given outcome. */
  onTimeout?: string;
  /** Where notifications go besides the inbox: `webhook`, `email`, `slack`, `teams`, … (registered notifiers). */
  channels?: readonly string[];
  callbackUrl?: string;
  idempotencyKey?: string;
  metadata?: Record<string, unknown>;
}

/** A spec after validation, as stored: plain JSON, durations in ms, defaults applied. */
export interface NormalizedSpec {
  type: TaskType;
  title: string;
  description: string | null;
  payload: unknown;
  action: { tool: string; args: Record<string, unknown>; argsHash: string; schema: JsonSchema | null } | null;
  outcomes: string[];
  form: JsonSchema | null;
  allowEdit: boolean;
  requireComment: string[];
  assignees: Principal[];
  requester: Principal | null;
  /** Absent in tasks stored before it existed: `forbidden`. */
  selfApproval?: 'allowed' | 'forbidden';
  quorum: { approvals: number; rejectEnds: boolean; approveOutcome: string };
  remind: { afterMs: number; everyMs: number | null; max: number } | null;
  escalate: { afterMs: number; to: Principal[] }[];
  deadlineMs: number | null;
  onTimeout: { status: 'resolved'; outcome: string } | { status: 'expired' };
  channels: string[];
  callbackUrl: string | null;
  idempotencyKey: string | null;
  metadata: Record<string, unknown> | null;
  /** The approval policy that governed the task; absent when none did (or stored before policies). */
  policy?: AppliedPolicy;
  /** A staged approval (from its policy): each stage's approvers decide in order. */
  stages?: TaskStages;
  /** Reminders and escalations count the assignees' working time (from its policy; absent: elapsed time). */
  businessHours?: true;
}

/** What changed when an approver edited the action's arguments. */
export interface ArgsEdit {
  original: Record<string, unknown>;
  edited: Record<string, unknown>;
  changes: { path: string; from: unknown; to: unknown }[];
}

/** One person's answer. */
export interface TaskResponse<O extends string = string, D = unknown> {
  principal: Principal;
  outcome: O;
  via: string;
  comment: string | null;
  data: D | null;
  at: number;
}

/** How a task ended: what `ctx.ask` returns and `GET /v1/tasks/{id}/result` shows. */
export interface TaskResult<O extends string = string, D = unknown> {
  taskId: string;
  status: 'resolved' | 'expired' | 'cancelled';
  /** The deciding outcome; `null` when expired or cancelled. */
  outcome: O | null;
  /** Who decided (`system` for a deadline), and via which channel. */
  by: Principal | null;
  via: string | null;
  comment: string | null;
  data: D | null;
  /** For action approvals: the arguments that were approved (edited ones if edited) and their hash. */
  args: Record<string, unknown> | null;
  argsHash: string | null;
  edit: ArgsEdit | null;
  responses: TaskResponse<O, D>[];
  at: number;
}

/** A task as read by people and programs. */
export interface Task {
  id: string;
  type: TaskType;
  status: 'pending' | 'resolved' | 'expired' | 'cancelled';
  title: string;
  description: string | null;
  payload: unknown;
  action: NormalizedSpec['action'];
  outcomes: string[];
  form: JsonSchema | null;
  allowEdit: boolean;
  requireComment: string[];
  assignees: { principal: Principal; level: number }[];
  requester: Principal | null;
  selfApproval: 'allowed' | 'forbidden';
  quorum: NormalizedSpec['quorum'];
  escalationLevel: number;
  remindersSent: number;
  deadline: number | null;
  onTimeout: NormalizedSpec['onTimeout'];
  channels: string[];
  callbackUrl: string | null;
  metadata: Record<string, unknown> | null;
  /** The approval policy the task was created under (name, version, what it overrode), or `null`. */
  policy: AppliedPolicy | null;
  /**
   * For a staged approval: each stage, in order, with who approved it so far; `stage` is the
   * index of the stage deciding now. `null` for other tasks.
   */
  stages: { name: string; approvers: Principal[]; quorum: number; approvedBy: Principal[] }[] | null;
  stage: number | null;
  /** The run that asked (`ctx.ask`), or for a standalone task its lifecycle run. */
  runId: string;
  /** The task's own run, which carries its reminders, escalations and deadline. */
  lifecycleRunId: string;
  askedBy: string | null;
  responses: TaskResponse[];
  result: TaskResult | null;
  createdAt: number;
  updatedAt: number;
}

/** A response as given by a person (through any channel). */
export interface ResponseInput {
  outcome: string;
  data?: unknown;
  comment?: string;
  /** Edited `action.args` (only with `allowEdit`). */
  args?: Record<string, unknown>;
}
