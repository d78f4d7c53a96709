import type { Message } from '@a2a-js/sdk';
import { z } from 'zod';
import { InvalidArgumentError } from '../errors.ts';
import type { A2AWorkflowInfo } from '../engine/workflow.ts';
import type { TaskSpec } from '../human/types.ts';

/** Heed's own A2A skills (contract: these ids are relied on from outside). */
export const APPROVAL_SKILL = 'request_approval';
export const QUESTION_SKILL = 'ask_human';

const who = {
  assignees: z
    .array(z.string().max(200))
    .max(50)
    .optional()
    .describe("Principals you suggest should answer; the server's approval policy decides who is asked"),
  deadline: z
    .string()
    .max(50)
    .optional()
    .describe('How long people have, e.g. "30m", "8h", "3d", within what the server\'s policy allows'),
};

/** The data part of a `request_approval` message. */
export const ApprovalInput = z.object({
  action: z.string().min(1).max(200).describe('The action or tool to approve, e.g. "deploy" or "send_email"'),
  args: z.record(z.string(), z.unknown()).optional().describe('Its arguments, exactly as you will use them'),
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional().describe('Markdown: why, what happens, the context'),
  allowEdit: z.boolean().optional().describe('May the approver change the arguments?'),
  onTimeout: z
    .string()
    .max(100)
    .optional()
    .describe('At the deadline: "reject" (default) or "expire"; the policy decides whether silence may approve'),
  ...who,
});
export type ApprovalInput = z.infer<typeof ApprovalInput>;

/** The data part of an `ask_human` message (or its text alone: the question). */
export const QuestionInput = z.object({
  question: z.string().min(1).max(500),
  details: z.string().max(20_000).optional().describe('Markdown context for the person'),
  choices: z.array(z.string().min(1).max(100)).min(2).max(20).optional().describe('Allowed answers'),
  schema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('A JSON Schema of the answer: the person fills in a form, and the answer is its data'),
  ...who,
});
export type QuestionInput = z.infer<typeof QuestionInput>;

/** What a message asks for: one of Heed's skills with its input, or a run of an A2A workflow. */
export type A2ARequest =
  | { skill: typeof APPROVAL_SKILL; input: ApprovalInput }
  | { skill: typeof QUESTION_SKILL; input: QuestionInput }
  | { skill: 'workflow'; workflow: string; input: unknown };

/**
 * Reads what a message asks for. The skill is named by `metadata.skill` (of the message or of
 * the request) or a `skill` field of the data part; without one, a data part with `action` is a
 * `request_approval`, anything else an `ask_human` (a text alone is the question).
 * @throws InvalidArgumentError naming what is wrong (an unknown skill, invalid input).
 */
export function requestOf(
  message: Message,
  requestMetadata: Record<string, unknown> | undefined,
  workflows: readonly A2AWorkflowInfo[],
): A2ARequest {
  const text = message.parts
    .flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []))
    .join('\n')
    .trim();
  const data = message.parts.find((p) => p.content?.$case === 'data' && isObject(p.content.value))?.content?.value as
    | Record<string, unknown>
    | undefined;
  const named = [message.metadata?.skill, requestMetadata?.skill, data?.skill].find((s) => s !== undefined);
  if (named !== undefined && typeof named !== 'string') throw new InvalidArgumentError('skill must be a string');
  const { skill: _, ...fields } = data ?? {};
  const skill = named ?? (data && 'action' in data ? APPROVAL_SKILL : QUESTION_SKILL);
  if (skill === APPROVAL_SKILL) {
    return { skill, input: parse(ApprovalInput, fields, skill) };
  }
  if (skill === QUESTION_SKILL) {
    if (!data) {
      if (!text) throw new InvalidArgumentError('ask_human needs a question: a text part, or a data part');
      const [first = ''] = text.split('\n');
      const question = first.length > 500 ? `${first.slice(0, 497)}...` : first;
      return { skill, input: { question, ...(question === text ? {} : { details: text }) } };
    }
    return { skill, input: parse(QuestionInput, fields, skill) };
  }
  if (workflows.some((w) => w.name === skill)) {
    return { skill: 'workflow', workflow: skill, input: data ? fields : text };
  }
  const known = [APPROVAL_SKILL, QUESTION_SKILL, ...workflows.map((w) => w.name)];
  throw new InvalidArgumentError(`Unknown skill "${skill}"; this agent's skills are ${known.join(', ')}`);
}

function parse<T>(schema: z.ZodType<T>, value: unknown, skill: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`Invalid ${skill} input: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The task `request_approval` asks (the same as MCP's tool of that name). */
export function approvalSpec(input: ApprovalInput): TaskSpec {
  return {
    type: 'approval',
    title: input.title ?? `Approve ${input.action}?`,
    action: { tool: input.action, args: input.args ?? {} },
    ...defined({
      description: input.description,
      allowEdit: input.allowEdit,
      assignees: input.assignees,
      deadline: input.deadline,
      onTimeout: input.onTimeout,
    }),
  };
}

/** The task `ask_human` asks: a form with a schema, a choice, or a free answer. */
export function questionSpec(input: QuestionInput): TaskSpec {
  const common = defined({ description: input.details, assignees: input.assignees, deadline: input.deadline });
  if (input.schema) {
    return { type: 'form', title: input.question, form: input.schema, ...common, onTimeout: 'expire' };
  }
  return {
    type: 'clarification',
    title: input.question,
    requireComment: input.choices ? false : ['answer'],
    ...common,
    ...(input.choices ? { outcomes: input.choices } : { onTimeout: 'expire' }),
  };
}

/** The entries whose value is defined (a task spec tells "absent" from "undefined"). */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
