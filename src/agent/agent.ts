import { jsonSchema, type LanguageModel, type ModelMessage, streamText, tool } from 'ai';
import { z } from 'zod';
import type { StepContext, WorkflowContext } from '../engine/context.ts';
import { displayName } from '../human/principal-names.ts';
import type { TaskResult } from '../human/types.ts';
import { HeedError } from '../errors.ts';
import type { ApprovalPolicy, ToolSetSpec } from './types.ts';

export interface AgentOptions {
  model: LanguageModel;
  system?: string;
  tools: ToolSetSpec;
  /** Model calls per turn before the agent stops (default 8). */
  maxSteps?: number;
  /** Who approves tool calls that need approval. */
  approvals?: ApprovalPolicy;
  /**
   * Offer the model a `contact_human` tool (a clarification task) when it is unsure. `false` to
   * leave it out. Default: on, asking the approval assignees.
   */
  contactHuman?: { assignees?: string[] } | false;
}

export interface AgentTurn {
  /** The agent's last words to the user. */
  text: string;
  /** The whole thread after this turn (JSON, as recorded). */
  messages: ModelMessage[];
  /** Every tool call of the turn and what came of it. */
  actions: { tool: string; args: unknown; outcome: 'done' | 'rejected' | 'failed' | 'answered'; result: unknown }[];
}

interface ModelReply {
  text: string;
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
}

/**
 * One durable agent turn inside a workflow: model calls and tool calls are steps (a replay never
 * calls the model or a tool again), tools that need approval ask a person with `ctx.ask` and the
 * run waits durably; on approve the tool runs (with edited arguments if the approver changed
 * them, and the model is told what changed), on reject the reason goes back to the model as the
 * tool result and the loop goes on. Progress is published as statuses: `agent`
 * (working, pending_approval, denied, done) and `output` (each thing the agent says).
 *
 * For chats (`/v1/chat`, AI SDK UI message stream) the turn also streams: each model call's text
 * deltas and tool calls go to the run's feed as step progress (UI message chunks, as the model
 * produces them; the recorded step result is what replays), and each tool's outcome is published
 * as a `chat` status (`tool-output-available`, `tool-output-denied`, `tool-output-error`). The
 * tasks it asks carry `metadata.toolCallId`, which ties an approval to its tool call.
 */
export async function runAgent(
  ctx: WorkflowContext,
  options: AgentOptions,
  messages: readonly ModelMessage[],
): Promise<AgentTurn> {
  const thread: ModelMessage[] = [...messages];
  const actions: AgentTurn['actions'] = [];
  const maxSteps = options.maxSteps ?? 8;
  const contact =
    options.contactHuman === false ? undefined : (options.contactHuman ?? { assignees: options.approvals?.assignees });
  const tools = toolSet(options.tools, contact !== undefined);
  let text = '';
  for (let step = 1; step <= maxSteps; step++) {
    await ctx.setStatus('agent', { status: 'working' });
    const reply = await ctx.step(`llm:${step}`, (s) => callModel(options, thread, tools, s), { retries: 3 });
    thread.push({
      role: 'assistant',
      content: [
        ...(reply.text ? [{ type: 'text' as const, text: reply.text }] : []),
        ...reply.toolCalls.map((c) => ({
          type: 'tool-call' as const,
          toolCallId: c.toolCallId,
          toolName: c.toolName,
          input: c.input,
        })),
      ],
    });
    if (reply.text) {
      text = reply.text;
      await ctx.setStatus('output', reply.text);
    }
    if (reply.toolCalls.length === 0) {
      await ctx.setStatus('agent', { status: 'done' });
      return { text, messages: thread, actions };
    }
    const results = [];
    for (const call of reply.toolCalls) {
      const action = await runTool(ctx, options, contact, call);
      actions.push(action);
      await ctx.setStatus('chat', outcomeChunk(call.toolCallId, action));
      results.push({
        type: 'tool-result' as const,
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        // A tool that returns nothing still answers the call: `null`, never an absent value.
        output: { type: 'json' as const, value: (action.result ?? null) as never },
      });
    }
    thread.push({ role: 'tool', content: results });
  }
  await ctx.setStatus('agent', { status: 'done' });
  return { text: text || `Stopped after ${maxSteps} steps.`, messages: thread, actions };
}

const ContactHumanInput = z.object({ question: z.string().min(1), context: z.string().optional() });

/**
 * A task title made from model output: at most 200 characters; a longer text moves, whole, to
 * the description so that nothing the person should read is lost.
 */
export function titled(text: string, context?: string): { title: string; description?: string } {
  const title = text.length > 200 ? `${text.slice(0, 197)}…` : text;
  const description = [text.length > 200 ? text : undefined, context].filter(Boolean).join('\n\n');
  return description ? { title, description } : { title };
}

/** A workflow-level tool: its failures (not the engine's) become `{error}` for the model. */
async function runInWorkflow(
  fn: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof HeedError && ENGINE_CODES.has(error.code)) throw error;
    return { ok: false, error: (error as Error).message };
  }
}

/** Errors a workflow-level tool must not swallow: they belong to the engine. */
const ENGINE_CODES = new Set(['NON_DETERMINISM', 'CONCURRENT_WAIT', 'LEASE_LOST']);

/**
 * One model call, streamed: text deltas and tool calls go to the run's feed as they come (UI
 * message chunks); what is returned is recorded as the step's result. A stream error fails the
 * try (the step retries it).
 */
async function callModel(
  options: AgentOptions,
  messages: ModelMessage[],
  tools: ReturnType<typeof toolSet>,
  step: StepContext,
): Promise<ModelReply> {
  const result = streamText({
    model: options.model,
    system: options.system,
    messages,
    tools,
    abortSignal: step.signal,
    onError: () => {}, // surfaced as an `error` part below, which fails the try
  });
  let text = '';
  const toolCalls: ModelReply['toolCalls'] = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-start' || part.type === 'text-end') await step.progress({ type: part.type, id: part.id });
    else if (part.type === 'text-delta') {
      text += part.text;
      await step.progress({ type: 'text-delta', id: part.id, delta: part.text });
    } else if (part.type === 'tool-call') {
      toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      const title = toolLabel(options, part.toolName);
      await step.progress({
        type: 'tool-input-available',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
        ...(title ? { title } : {}),
      });
    } else if (part.type === 'error') throw part.error instanceof Error ? part.error : new Error(String(part.error));
  }
  return { text, toolCalls };
}

/** The words a person reads for a tool: its `label`, else none (never its identifier). */
function toolLabel(options: AgentOptions, name: string): string | undefined {
  if (name === 'contact_human') return 'Ask a person';
  return options.tools[name]?.label;
}

/** The UI message chunk that tells a chat what came of a tool call. */
function outcomeChunk(toolCallId: string, action: AgentTurn['actions'][number]) {
  if (action.outcome === 'rejected') return { type: 'tool-output-denied', toolCallId };
  if (action.outcome === 'failed') {
    const error = (action.result as { error?: unknown } | null)?.error;
    return { type: 'tool-output-error', toolCallId, errorText: String(error ?? 'The tool failed') };
  }
  return { type: 'tool-output-available', toolCallId, output: action.result ?? null };
}

/** `text` as the end of a sentence: one final period, whatever the person typed. */
function sentence(text: string): string {
  return `${text.trim().replace(/[.!?。]+$/u, '')}.`;
}

/** What the model (and the person in the chat) is told when an approval did not say yes. */
function notApproved(what: string, decision: TaskResult): string {
  const subject = what.replace(/[?.!]+$/u, '');
  if (decision.status === 'expired') return `Nobody decided on "${subject}" in time, so it was not done.`;
  if (decision.status === 'cancelled') return `The request "${subject}" was cancelled, so it was not done.`;
  const name = decision.by ? displayName(decision.by) : 'the approver';
  const who = name.charAt(0).toUpperCase() + name.slice(1);
  return decision.comment
    ? `${who} rejected "${subject}": ${sentence(decision.comment)}`
    : `${who} rejected "${subject}".`;
}

/** The tools as the model sees them: descriptions and input schemas, no `execute` (Heed runs them). */
function toolSet(specs: ToolSetSpec, withContact: boolean) {
  const set: Record<string, ReturnType<typeof tool>> = {};
  for (const [name, spec] of Object.entries(specs)) {
    set[name] = tool({
      description: spec.description,
      inputSchema: jsonSchema(z.toJSONSchema(spec.input, { io: 'input' }) as never),
    });
  }
  if (withContact) {
    set.contact_human = tool({
      description: 'Ask a person when you are unsure or a decision is not yours to make. Waits for their answer.',
      inputSchema: jsonSchema({
        type: 'object',
        properties: { question: { type: 'string' }, context: { type: 'string' } },
        required: ['question'],
      }),
    });
  }
  return set;
}

async function runTool(
  ctx: WorkflowContext,
  options: AgentOptions,
  contact: { assignees?: string[] | undefined } | undefined,
  call: ModelReply['toolCalls'][number],
): Promise<AgentTurn['actions'][number]> {
  if (call.toolName === 'contact_human' && contact) {
    const input = ContactHumanInput.safeParse(call.input);
    if (!input.success) {
      return {
        tool: call.toolName,
        args: call.input,
        outcome: 'failed',
        result: { error: `Invalid arguments: ${input.error.message}` },
      };
    }
    const { question, context } = input.data;
    await ctx.setStatus('agent', { status: 'pending_human', question });
    const answer = await ctx.ask({
      type: 'clarification',
      ...titled(question, context),
      ...(contact.assignees?.length ? { assignees: contact.assignees } : {}),
      metadata: { toolCallId: call.toolCallId },
    });
    const result = { answer: answer.comment ?? answer.data ?? null, by: answer.by, status: answer.status };
    return { tool: call.toolName, args: call.input, outcome: 'answered', result };
  }
  const spec = options.tools[call.toolName];
  if (!spec)
    return {
      tool: call.toolName,
      args: call.input,
      outcome: 'failed',
      result: { error: `There is no tool named ${call.toolName}` },
    };
  const parsed = spec.input.safeParse(call.input);
  if (!parsed.success) {
    return {
      tool: call.toolName,
      args: call.input,
      outcome: 'failed',
      result: { error: `Invalid arguments: ${parsed.error.message}` },
    };
  }
  let args: unknown = parsed.data;
  let note: string | undefined;
  const rule = spec.approval ?? 'never';
  const needsApproval = rule === 'always' || (typeof rule === 'function' && rule(args as never));
  if (needsApproval) {
    await ctx.setStatus('agent', { status: 'pending_approval', tool: call.toolName, args });
    const policy = options.approvals ?? {};
    const what = spec.title?.(args as never) ?? `${spec.label ?? call.toolName} ${JSON.stringify(args)}`;
    const decision = await ctx.ask({
      type: 'approval',
      ...titled(what),
      metadata: { toolCallId: call.toolCallId },
      action: { tool: call.toolName, args: args as Record<string, unknown>, schema: spec.input },
      allowEdit: spec.allowEdit ?? true,
      // Who approves: the tool's own approvers, else the agent's. The requester is the run's
      // initiator (the person talking to the agent) unless the policy names another.
      ...(approversOf(spec, policy) ? { assignees: approversOf(spec, policy) } : {}),
      ...(policy.requester ? { requester: policy.requester } : {}),
      ...(policy.remind ? { remind: policy.remind } : {}),
      ...(policy.escalate ? { escalate: policy.escalate } : {}),
      ...(policy.deadline ? { deadline: policy.deadline } : {}),
    });
    if (decision.outcome !== 'approve') {
      await ctx.setStatus('agent', { status: 'denied', tool: call.toolName });
      const reason = decision.comment ?? (decision.status === 'resolved' ? 'rejected' : decision.status);
      return {
        tool: call.toolName,
        args,
        outcome: 'rejected',
        result: { rejected: true, by: decision.by, reason, message: notApproved(what, decision) },
      };
    }
    // Edited arguments go through the tool's own schema (refinements, transforms, no extra keys).
    const approved = spec.input.safeParse(decision.args ?? args);
    if (!approved.success) {
      return {
        tool: call.toolName,
        args: decision.args,
        outcome: 'rejected',
        result: {
          rejected: true,
          by: decision.by,
          reason: 'the edited arguments are invalid',
          message: `The edited request is invalid, so it was not done: ${approved.error.message}`,
        },
      };
    }
    args = approved.data;
    if (decision.edit && decision.edit.changes.length > 0) {
      note = `${decision.by ? displayName(decision.by) : 'The approver'} changed ${decision.edit.changes.map((c) => `${c.path} from ${JSON.stringify(c.from)} to ${JSON.stringify(c.to)}`).join(', ')} before approving.`;
    }
  }
  const outcome = spec.run
    ? await runInWorkflow(() => (spec.run as NonNullable<typeof spec.run>)(args as never, ctx))
    : await ctx.step(`tool:${call.toolName}:${call.toolCallId}`, async ({ idempotencyKey }) => {
        try {
          return { ok: true as const, value: await spec.execute?.(args as never, { idempotencyKey }) };
        } catch (error) {
          return { ok: false as const, error: (error as Error).message };
        }
      });
  if (!outcome.ok)
    return {
      tool: call.toolName,
      args,
      outcome: 'failed',
      result: { error: outcome.error, message: `${spec.label ?? call.toolName} failed: ${sentence(outcome.error)}` },
    };
  const value = outcome.value as { message?: string } | undefined;
  const result = note
    ? {
        ...(typeof value === 'object' && value ? value : { value }),
        note,
        message: `${note} ${value?.message ?? ''}`.trim(),
      }
    : value;
  return { tool: call.toolName, args, outcome: 'done', result };
}

/** The approvers of a tool call: the tool's `approvers`, else the policy's `approvers` or `assignees`. */
function approversOf(
  tool: { approvers?: readonly string[] | undefined },
  policy: ApprovalPolicy,
): string[] | undefined {
  const named = tool.approvers ?? policy.approvers ?? policy.assignees;
  return named && named.length > 0 ? [...named] : undefined;
}
