import type { LanguageModel } from 'ai';
import { z } from 'zod';
import { runAgent } from '../../src/agent/agent.ts';
import type { Heed } from '../../src/index.ts';

/**
 * A deploy agent that may choose to contact a human (`contact_human`, a clarification task) when
 * it cannot decide, e.g. which region to deploy to. The thread lives in the run's recorded
 * history: the process may exit while the human thinks, and their answer continues the agent in
 * whichever process runs it next.
 */
export function registerDeployAgent(heed: Heed, model: LanguageModel, assignees = ['user:ops']) {
  return heed.workflow('deploy-agent', async (ctx, input: { message: string }) => {
    const turn = await runAgent(
      ctx,
      {
        model,
        system: 'You deploy builds. Ask a human when you are not sure.',
        tools: {
          deploy: {
            description: 'Deploy the current build to a region',
            input: z.object({ region: z.string() }),
            execute: (args) => ({ region: args.region, message: `Deployed build 4.2.1 to ${args.region}.` }),
          },
        },
        contactHuman: { assignees },
      },
      [{ role: 'user', content: input.message }],
    );
    await ctx.setStatus('thread', turn.messages);
    return {
      reply: turn.text,
      actions: turn.actions.map((a) => ({ tool: a.tool, outcome: a.outcome, result: a.result })),
    };
  });
}
