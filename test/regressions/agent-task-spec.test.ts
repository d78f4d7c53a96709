import type { LanguageModelV3, LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { simulateStreamingMiddleware, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../../src/agent/agent.ts';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import type { Heed } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

async function settle(heed: Heed, runId: string) {
  await heed.idle();
  const run = await heed.runs.get(runId);
  const tasks = (await heed.tasks.list({ status: 'pending' })).items.filter((t) => t.runId === runId);
  return { status: run?.status, error: (run?.error as { message?: string } | undefined)?.message, tasks };
}

/**
 * The agent builds task titles from model output (`spec.title(args)`, the default
 * `${tool} ${JSON.stringify(args)}`, contact_human's `question`) and passes them to `ctx.ask`,
 * whose spec check (title: a non-empty string of at most 500 characters) throws InvalidTaskError
 * out of runAgent: the run fails instead of asking, or telling the model.
 */
describe('agent: task specs built from model output', () => {
  it.each(['banking', 'banking-router'])(
    '%s: a 150-dollar transfer to a long payee name still asks for approval (title over 500 chars)',
    async (workflow) => {
      const { heed } = testEngine();
      registerBanking(heed, new OfflineModel());
      await heed.start();
      const payee = `A${'b'.repeat(600)}`;
      const run = await heed.startWorkflow(workflow, { message: `Transfer $150 to ${payee}` });
      const state = await settle(heed, run.id);
      // Actual: status 'failed', "Invalid task" (title too long); no approval task.
      expect([state.status, state.error]).toEqual(['waiting', undefined]);
      expect(state.tasks).toHaveLength(1);
    },
  );

  it('the default approval title of a tool with large arguments does not fail the run', async () => {
    const { heed } = testEngine();
    heed.workflow('exporter', async (ctx, msg: { message: string }) => {
      const turn = await runAgent(
        ctx,
        {
          model: new OfflineModel(),
          contactHuman: false,
          tools: {
            export_data: {
              description: 'Export a dataset',
              input: z.object({ dataset: z.string() }),
              approval: 'always',
              execute: () => ({ message: 'exported' }),
            },
          },
        },
        [{ role: 'user', content: msg.message }],
      );
      return turn.text;
    });
    await heed.start();
    const run = await heed.startWorkflow('exporter', { message: `export ${'customers_'.repeat(60)}q1` });
    const state = await settle(heed, run.id);
    expect([state.status, state.error]).toEqual(['waiting', undefined]);
    expect(state.tasks).toHaveLength(1);
  });

  it('contact_human with a long question (offline model: the whole request) asks instead of failing', async () => {
    const { heed } = testEngine();
    heed.workflow('deployer', async (ctx, msg: { message: string }) => {
      const turn = await runAgent(
        ctx,
        {
          model: new OfflineModel(),
          contactHuman: {},
          tools: {
            deploy: {
              description: 'Deploy to a region',
              input: z.object({ region: z.string() }),
              execute: (a: { region: string }) => ({ message: `Deployed to ${a.region}` }),
            },
          },
        },
        [{ role: 'user', content: msg.message }],
      );
      return turn.text;
    });
    await heed.start();
    const context = 'The build passed every check and the change log is long. '.repeat(10);
    const run = await heed.startWorkflow('deployer', { message: `${context}Which region should I deploy to?` });
    const state = await settle(heed, run.id);
    // Actual: failed with "Invalid task" (title: at most 500 characters).
    expect([state.status, state.error]).toEqual(['waiting', undefined]);
    expect(state.tasks.map((t) => t.type)).toEqual(['clarification']);
  });

  it('contact_human called with invalid input goes back to the model as an error, not a failed run', async () => {
    const { heed } = testEngine();
    let calls = 0;
    // A real model may well call contact_human with a missing or non-string question.
    const scripted: LanguageModelV3 = {
      specificationVersion: 'v3',
      provider: 'scripted',
      modelId: 'scripted',
      supportedUrls: {},
      async doGenerate(_options: LanguageModelV3CallOptions) {
        calls++;
        const usage = {
          inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 0, text: 0, reasoning: 0 },
        };
        if (calls === 1) {
          return {
            content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'contact_human', input: '{"question": 42}' }],
            finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
            usage,
            warnings: [],
          };
        }
        return {
          content: [{ type: 'text', text: 'OK, I will decide myself.' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        };
      },
      async doStream() {
        throw new Error('not used');
      },
    } as LanguageModelV3;
    // The agent streams its model calls: the scripted answers, streamed by the AI SDK's middleware.
    const model = wrapLanguageModel({ model: scripted, middleware: simulateStreamingMiddleware() });
    heed.workflow('asker', async (ctx) => {
      const turn = await runAgent(ctx, { model, contactHuman: {}, tools: {} }, [{ role: 'user', content: 'hi' }]);
      return turn.actions.map((a) => a.outcome);
    });
    await heed.start();
    const run = await heed.startWorkflow('asker', null);
    const state = await settle(heed, run.id);
    // Actual: status 'failed' with "Invalid task" (title must be a string): the input is cast, not checked.
    expect(state.error).toBeUndefined();
    expect(state.status).toBe('succeeded');
  });
});
