import { createStep, createWorkflow } from '@mastra/core/workflows';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mastraWorkflow, type ToolDecision } from '../../src/mastra/index.ts';
import { approvalSuite } from '../adapters/approval-suite.ts';
import { mastraRefunds } from './refunds.ts';
import { testEngine } from '../helpers.ts';

describe('Mastra workflows with Heed approvals (the real @mastra/core)', () => {
  approvalSuite(mastraRefunds);

  it('two suspending steps in a row ask twice; the snapshot lives in the run history only', async () => {
    const { heed, store } = testEngine();
    const gate = (id: string) =>
      createStep({
        id,
        inputSchema: z.object({ log: z.array(z.string()) }),
        outputSchema: z.object({ log: z.array(z.string()) }),
        execute: async ({ inputData, resumeData, suspend }) => {
          if (!resumeData) return await suspend({ question: `${id}?` });
          const decision = resumeData as ToolDecision;
          return { log: [...inputData.log, `${id} ${decision.approved ? 'done' : 'skipped'}`] };
        },
      });
    const flow = createWorkflow({
      id: 'deploy-flow',
      inputSchema: z.object({ log: z.array(z.string()) }),
      outputSchema: z.object({ log: z.array(z.string()) }),
    })
      .then(gate('staging'))
      .then(gate('production'))
      .commit();
    const workflow = mastraWorkflow(heed, 'deploys', {
      workflow: flow,
      approval: (call) => ({ assignees: ['user:ops'], title: `${call.callId}: ${call.tool}` }),
    });
    await heed.start();
    const run = await workflow.start({ input: { log: [] } });
    await heed.idle();
    const [one] = (await heed.tasks.inbox('user:ops')).items;
    // A payload that is not {tool, args}: the step is the tool, the payload its arguments.
    expect(one).toMatchObject({
      title: 'staging: staging',
      action: { tool: 'staging', args: { question: 'staging?' } },
    });
    await heed.tasks.respond(one?.id ?? '', { outcome: 'approve' }, { principal: 'user:ops' });
    await heed.idle();
    const [two] = (await heed.tasks.inbox('user:ops')).items;
    expect(two).toMatchObject({ action: { tool: 'production' } });
    await heed.tasks.respond(two?.id ?? '', { outcome: 'reject', comment: 'not today' }, { principal: 'user:ops' });
    const output = await run.result();
    expect(output.output).toEqual({ log: ['staging done', 'production skipped'] });
    const resumes = (await store.loadHistory(run.id)).filter((op) => op.name === 'mastra.resume');
    expect(resumes).toHaveLength(2);
    expect(JSON.parse(resumes[0]?.output ?? '{}').snapshot).toMatchObject({ status: 'suspended' });
    expect(JSON.parse(resumes[1]?.output ?? '{}').snapshot).toBeNull();
  });

  it("a workflow that fails ends the run failed, with Mastra's reason", async () => {
    const { heed } = testEngine();
    const broken = createStep({
      id: 'broken',
      inputSchema: z.object({}),
      outputSchema: z.object({}),
      execute: async () => {
        throw new Error('the ledger is closed');
      },
    });
    const flow = createWorkflow({ id: 'broken-flow', inputSchema: z.object({}), outputSchema: z.object({}) })
      .then(broken)
      .commit();
    const workflow = mastraWorkflow(heed, 'broken', { workflow: flow, approval: { assignees: ['user:ops'] } });
    await heed.start();
    const run = await workflow.start({ input: {} });
    await expect(run.result()).rejects.toThrow(/broken-flow" ended failed: the ledger is closed/);
  });
});
