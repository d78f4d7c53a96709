import type { Interrupt } from '@ag-ui/core';
import { z } from 'zod';
import type { NameLookup } from '../human/principal-names.ts';
import type { ResponseInput, Task } from '../human/types.ts';
import { taskCard } from '../chat/task-card.ts';
import { InvalidResumeError } from './errors.ts';

/**
 * The AG-UI interrupt of a Heed task a turn waits on (AG-UI 1.0 "Interrupts"): `id` is the task
 * id, `reason` the spec's core value (`tool_call` for an approval of a tool call, `confirmation`
 * for another approval, `input_required` for a question; `heed:<type>` otherwise), `message` the
 * task's title, `toolCallId` the tool call it is about, `responseSchema` the payload a resume
 * gives (`{approved, editedArgs?, reason?}` for approvals, `editedArgs` only where the task
 * allows edits, with the action's own schema), `expiresAt` the task's deadline (ISO 8601), and
 * `metadata.heed` who was asked and who asked.
 */
export function interruptOf(task: Task, names?: NameLookup): Interrupt {
  const card = taskCard(task, names);
  const interrupt: Interrupt = {
    id: task.id,
    reason: reasonOf(task, card.toolCallId),
    message: task.title,
    responseSchema: responseSchemaOf(task),
    metadata: {
      heed: {
        type: task.type,
        title: task.title,
        ...(task.description ? { description: task.description } : {}),
        ...(task.action ? { action: { tool: task.action.tool, args: task.action.args } } : {}),
        outcomes: task.outcomes,
        asked: card.asked,
        requester: card.requester,
      },
    },
  };
  if (card.toolCallId) interrupt.toolCallId = card.toolCallId;
  if (task.deadline !== null) interrupt.expiresAt = new Date(task.deadline).toISOString();
  return interrupt;
}

function reasonOf(task: Task, toolCallId: string | null): string {
  if (task.type === 'approval') return toolCallId ? 'tool_call' : 'confirmation';
  if (task.type === 'clarification') return 'input_required';
  return `heed:${task.type}`;
}

/** What a resume's `payload` looks like for `task`, as a JSON Schema (the interrupt's `responseSchema`). */
export function responseSchemaOf(task: Task): Record<string, unknown> {
  const reason = { type: 'string', maxLength: 10_000, description: 'Why (required to reject)' };
  if (task.type === 'approval' || task.type === 'override') {
    const properties: Record<string, unknown> = { approved: { type: 'boolean' }, reason };
    if (task.allowEdit && task.action) {
      const { $schema: _, ...schema } = task.action.schema ?? { type: 'object' };
      properties.editedArgs = {
        ...schema,
        description: 'Full replacement of the tool arguments (not merged), validated by the tool schema',
      };
    }
    return { type: 'object', properties, required: ['approved'] };
  }
  if (task.type === 'clarification') {
    return {
      type: 'object',
      properties: { answer: { type: 'string', minLength: 1, maxLength: 20_000 } },
      required: ['answer'],
    };
  }
  return {
    type: 'object',
    properties: {
      outcome: { type: 'string', enum: task.outcomes },
      ...(task.form ? { data: task.form } : {}),
      comment: reason,
    },
    required: ['outcome'],
  };
}

const Payload = z.object({
  approved: z.boolean().optional(),
  editedArgs: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().max(10_000).optional(),
  comment: z.string().max(10_000).optional(),
  answer: z.string().max(20_000).optional(),
  outcome: z.string().max(100).optional(),
  data: z.unknown().optional(),
});

/**
 * The Heed response a resume `payload` gives `task`: `{approved: true, editedArgs?}` approves
 * (with the edited arguments, validated by the human layer as the task's edit rules say),
 * `{approved: false, reason?}` rejects (a reason is recorded even when none is given), `{answer}`
 * answers a question, `{outcome, data?, comment?}` any other task.
 * @throws InvalidResumeError when the payload does not fit the task.
 */
export function responseOf(task: Task, payload: unknown): ResponseInput {
  const parsed = Payload.safeParse(payload ?? {});
  if (!parsed.success) {
    throw new InvalidResumeError(`The resume payload for ${task.id} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const p = parsed.data;
  const comment = (p.reason ?? p.comment)?.trim() || undefined;
  if (p.outcome !== undefined) {
    return {
      outcome: p.outcome,
      ...(p.data !== undefined ? { data: p.data } : {}),
      ...(comment ? { comment } : {}),
      ...(p.editedArgs ? { args: p.editedArgs } : {}),
    };
  }
  if (typeof p.approved === 'boolean') {
    // A yes/no decision: approval, review and override tasks (approve, and reject or deny).
    const no = task.outcomes.includes('reject') ? 'reject' : task.outcomes.includes('deny') ? 'deny' : undefined;
    const outcome = p.approved ? 'approve' : no;
    if (!task.outcomes.includes('approve') || !outcome) {
      throw new InvalidResumeError(
        `Task ${task.id} is not a yes/no decision: send ${task.outcomes.includes('answer') ? '{answer}' : `{outcome} (one of ${task.outcomes.join(', ')})`}`,
      );
    }
    if (!p.approved && p.editedArgs) throw new InvalidResumeError('editedArgs come with approved: true only');
    return {
      outcome,
      ...(p.approved && p.editedArgs ? { args: p.editedArgs } : {}),
      ...(comment ? { comment } : p.approved ? {} : { comment: 'Rejected in the AG-UI client (no reason given).' }),
    };
  }
  if (p.answer !== undefined && task.outcomes.includes('answer')) {
    const answer = p.answer.trim();
    if (!answer) throw new InvalidResumeError(`The answer to ${task.id} is empty`);
    return { outcome: 'answer', comment: answer, ...(p.data !== undefined ? { data: p.data } : {}) };
  }
  throw new InvalidResumeError(
    `The resume payload for ${task.id} must say ${task.type === 'clarification' ? '{answer}' : task.outcomes.includes('approve') ? '{approved}' : '{outcome}'}`,
  );
}
