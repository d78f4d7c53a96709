/**
 * Asking the MCP client's own user (MCP elicitation, `elicitation/create`): when the person who
 * must answer a Heed task *is* the caller (a confirmation the policy lets the requester give, a
 * question addressed to the caller), the server asks them in their client: a form built from the
 * task's response schema, or a link to the task's inbox page (URL mode) for a task that needs the
 * inbox (edits of the action's arguments, a form too rich for a flat elicitation form).
 *
 * The request's JSON-RPC id (and a URL elicitation's `elicitationId`) is signed and names the task
 * and the principal it was sent to, so the answer needs no state in this process: it may come
 * back on another HTTP request (stateless `/mcp`), after a restart, or to another instance with
 * the same secret. It is recorded only for that principal, through the one answer path of every
 * channel (`McpTaskPort.answer`, i.e. `Authorization.answer`), via `mcp`; never for anyone else.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type ClientCapabilities,
  type ElicitRequest,
  type JSONRPCMessage,
  RELATED_TASK_META_KEY,
} from '@modelcontextprotocol/sdk/types.js';
import type { ResponseInput, Task } from '../human/types.ts';
import type { ElicitationIds, Mode } from './elicitation-ids.ts';
import { outcomeLabel } from '../text/outcomes.ts';
import type { McpTaskPort } from './task-port.ts';

/** Which elicitation modes the client declared. */
export interface ElicitationSupport {
  form: boolean;
  url: boolean;
}

/** What the client's capabilities say about elicitation (an empty `elicitation: {}` is form mode). */
export function elicitationSupport(capabilities: ClientCapabilities | undefined): ElicitationSupport {
  const e = capabilities?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!e || typeof e !== 'object') return { form: false, url: false };
  const none = e.form === undefined && e.url === undefined;
  return { form: none || e.form !== undefined, url: e.url !== undefined };
}

/** Field names of the form that are Heed's own (a task form using one needs the inbox). */
const DECISION = 'decision';
const COMMENT = 'comment';
const PRIMITIVE_KEYS = [
  'type',
  'title',
  'description',
  'minLength',
  'maxLength',
  'format',
  'minimum',
  'maximum',
  'default',
  'enum',
];

/** The task's own form as flat elicitation fields, or `null` when it is richer than that (nesting, arrays). */
function flatFields(form: Record<string, unknown> | null): Record<string, Record<string, unknown>> | null {
  if (form === null) return {};
  const properties = form.properties as Record<string, Record<string, unknown>> | undefined;
  if (form.type !== 'object' || !properties) return null;
  const fields: Record<string, Record<string, unknown>> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (name === DECISION || name === COMMENT) return null;
    if (!['string', 'number', 'integer', 'boolean'].includes(schema.type as string)) return null;
    fields[name] = Object.fromEntries(Object.entries(schema).filter(([k]) => PRIMITIVE_KEYS.includes(k)));
  }
  return fields;
}

/** Whether a task needs more than a flat form (as notices say: edits or a rich form go to the inbox). */
function needsInbox(task: Task): boolean {
  return task.allowEdit || flatFields(task.form) === null;
}

/** The elicitation form for a task: its decision (when it has more than one outcome), a comment, its form's fields. */
function formSchema(task: Task): ElicitFormSchema {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  if (task.outcomes.length > 1) {
    properties[DECISION] = {
      type: 'string',
      title: task.type === 'clarification' ? 'Answer' : 'Decision',
      oneOf: task.outcomes.map((o) => ({ const: o, title: outcomeLabel(o) })),
    };
    required.push(DECISION);
  }
  const always = task.outcomes.every((o) => task.requireComment.includes(o));
  const sometimes = task.outcomes.filter((o) => task.requireComment.includes(o));
  properties[COMMENT] = {
    type: 'string',
    title: always && task.type === 'clarification' ? 'Answer' : 'Comment',
    maxLength: 10_000,
    ...(always
      ? { minLength: 1 }
      : sometimes.length > 0
        ? { description: `Required to ${sometimes.map((o) => outcomeLabel(o).toLowerCase()).join(' or ')}` }
        : {}),
  };
  if (always) required.push(COMMENT);
  const fields = flatFields(task.form) ?? {};
  Object.assign(properties, fields);
  // The form's required fields hold for positive outcomes only: with a choice, the server checks.
  if (task.outcomes.length === 1) {
    for (const name of (task.form?.required as string[] | undefined) ?? []) if (name in fields) required.push(name);
  }
  return { type: 'object', properties, required } as ElicitFormSchema;
}
type ElicitFormSchema = Extract<ElicitRequest['params'], { requestedSchema: unknown }>['requestedSchema'];

/** What the person reads first: the title, the details, the action and its arguments, who they answer as. */
function messageOf(task: Task, principal: string): string {
  const lines = [task.title];
  if (task.description) lines.push('', task.description);
  if (task.action) lines.push('', `Action: ${task.action.tool} ${JSON.stringify(task.action.args)}`);
  if (task.deadline !== null) lines.push(`Deadline: ${new Date(task.deadline).toISOString()}`);
  lines.push('', `Your answer is recorded as ${principal}'s decision (Heed task ${task.id}).`);
  return lines.join('\n');
}

/** Where an elicitation is asked, and which task it answers. */
export interface ElicitationContext {
  ids: ElicitationIds;
  support: ElicitationSupport;
  /** The server's public base URL (URL mode links to `<base>/#/task/<id>`); none: form mode only. */
  baseUrl?: (() => string) | undefined;
}

/**
 * The `elicitation/create` params that ask the caller about `task`, or `null` when the client is
 * not the one to ask: the client declared no usable mode, the task has ended, it is not the
 * caller's own request, the caller is not named among its assignees, or may not answer it (a
 * group, four-eyes without self-approval).
 */
export async function elicitationFor(
  port: McpTaskPort,
  task: Task,
  context: ElicitationContext,
): Promise<{ id: string; params: ElicitRequest['params'] } | null> {
  const { support } = context;
  if (task.status !== 'pending' || (!support.form && !support.url)) return null;
  const caller = await port.whoami();
  // A confirmation: the caller asked (through these tools) and is the one named to answer (an
  // open task is anyone's), and may (self-approval allowed, not a group).
  if (task.requester !== caller.principal) return null;
  if (!task.assignees.some((a) => a.principal === caller.principal)) return null;
  if (!(await port.mayAnswer(task))) return null;
  const base = context.baseUrl?.();
  const url = support.url && base !== undefined;
  const form = support.form && flatFields(task.form) !== null;
  const mode: Mode | null = url && (needsInbox(task) || !form) ? 'url' : form ? 'form' : null;
  if (mode === null) return null;
  const id = context.ids.issue({ taskId: task.id, principal: caller.principal, mode });
  const message = messageOf(task, caller.principal);
  if (mode === 'url') {
    return {
      id,
      params: {
        mode: 'url',
        message: `${message}\n\nOpen the task in Heed's inbox to answer.`,
        elicitationId: id,
        url: `${(base as string).replace(/\/+$/, '')}/#/task/${encodeURIComponent(task.id)}`,
      },
    };
  }
  return { id, params: { mode: 'form', message, requestedSchema: formSchema(task) } };
}

/**
 * Sends `elicitation/create` to the client on the stream of the request being handled
 * (`relatedRequestId`), with the related task's id when it belongs to an MCP task. The answer
 * comes back as a JSON-RPC response with the signed id (see {@link connectHeedMcp}).
 */
export async function sendElicitation(
  server: McpServer,
  elicitation: { id: string; params: ElicitRequest['params'] },
  relatedRequestId: string | number,
  relatedTaskId?: string,
): Promise<void> {
  const params = relatedTaskId
    ? { ...elicitation.params, _meta: { [RELATED_TASK_META_KEY]: { taskId: relatedTaskId } } }
    : elicitation.params;
  await server.server.transport?.send(
    { jsonrpc: '2.0', id: elicitation.id, method: 'elicitation/create', params } as JSONRPCMessage,
    { relatedRequestId },
  );
}

/** Tells the client a URL-mode elicitation is over (the task ended), on the request's stream. */
export async function completeElicitation(server: McpServer, elicitationId: string, relatedRequestId: string | number) {
  await server.server.transport
    ?.send(
      { jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } } as JSONRPCMessage,
      { relatedRequestId },
    )
    .catch(() => {});
}

/**
 * The response a form's content stands for, or a reason it stands for none (nothing is recorded).
 * The task decides which fields mean what, as when the form was built.
 */
export function answerFrom(task: Task, content: Record<string, unknown>): ResponseInput | string {
  const outcome = task.outcomes.length === 1 ? task.outcomes[0] : content[DECISION];
  if (typeof outcome !== 'string' || !task.outcomes.includes(outcome)) return 'no decision';
  const comment = typeof content[COMMENT] === 'string' ? (content[COMMENT] as string).trim() : '';
  const fields = flatFields(task.form) ?? {};
  const data = Object.fromEntries(
    Object.keys(fields)
      .filter((k) => k in content)
      .map((k) => [k, content[k]]),
  );
  return {
    outcome,
    ...(comment ? { comment } : {}),
    ...(task.form !== null ? { data } : {}),
  };
}
