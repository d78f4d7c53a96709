import type { Heed } from '../human/heed.ts';
import type { TaskResult } from '../human/types.ts';
import { internalRunId, internalRunKey } from '../run-ids.ts';
import { type A2ARequest, APPROVAL_SKILL, approvalSpec, questionSpec } from './skills.ts';

/** The workflow that carries every A2A task (internal: reached only through `/a2a`). */
export const A2A_WORKFLOW = 'heed.a2a';

/** The run of A2A task `taskId`: `a2a:<task id>`. */
export const a2aRunId = (taskId: string) => internalRunId('a2a', taskId);

/** The run of an A2A workflow skill, a child of the task's run. */
export const a2aWorkflowRunId = (taskId: string) => `${a2aRunId(taskId)}:workflow`;

/** The A2A task a run belongs to (its own run or its workflow's), or `undefined`. */
export function a2aTaskIdOf(runId: string): string | undefined {
  const key = internalRunKey('a2a', runId);
  return key?.endsWith(':workflow') ? key.slice(0, -':workflow'.length) : key;
}

/** What an A2A task's run is started with: all the A2A task is, besides what Heed records. */
export interface A2ATaskInput {
  taskId: string;
  contextId: string;
  /** The caller's message, as A2A JSON (the task's history). */
  message: unknown;
  request: A2ARequest;
}

/** What an A2A task's run ends with. */
export type A2ATaskOutput = { kind: 'decision'; result: TaskResult } | { kind: 'output'; output: unknown };

/**
 * Registers the A2A task workflow (once per engine). One durable run per A2A task, started by
 * the caller (its initiator, so the caller is the requester of what it asks): a skill asks a
 * person (`ctx.ask` under the approval policy, as a model's request: looser fields are replaced)
 * and ends with the decision; a workflow skill runs the workflow as a child (which inherits the
 * initiator) and ends with its output. It waits like any run: nothing in memory, any process
 * continues it after a restart, and cancelling it cancels the person's task or the workflow.
 */
export function registerA2AWorkflow(heed: Heed): void {
  if (heed.hasWorkflow(A2A_WORKFLOW)) return;
  heed.workflow(
    A2A_WORKFLOW,
    async (ctx, input: A2ATaskInput): Promise<A2ATaskOutput> => {
      const request = input.request;
      if (request.skill === 'workflow') {
        const child = await ctx.start({ name: request.workflow }, request.input, {
          id: a2aWorkflowRunId(input.taskId),
        });
        return { kind: 'output', output: (await child.result()) ?? null };
      }
      const spec = request.skill === APPROVAL_SKILL ? approvalSpec(request.input) : questionSpec(request.input);
      const result = await heed.tasks.ask(ctx, spec, { trust: 'model', via: 'a2a' });
      return { kind: 'decision', result };
    },
    { internal: true },
  );
}
