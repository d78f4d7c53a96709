import type { LanguageModel } from 'ai';
import { z } from 'zod';
import { runAgent } from '../../src/agent/agent.ts';
import type { AgentTool } from '../../src/agent/types.ts';
import type { Heed, WorkflowContext } from '../../src/index.ts';

export interface Ticket {
  ticketId: string;
  title: string;
  description: string;
  critical: boolean;
}

export const DEVELOPER_RESPONSE = 'app/support.ticket.developer-response';

const searchKnowledgeBase: AgentTool<Record<string, never>> = {
  description: 'Search the knowledge base for answers to common questions',
  input: z.object({}),
  execute: () => ({ message: 'Try signing out and in again; clear the app cache if the problem persists.' }),
};

const searchReleaseNotes: AgentTool<Record<string, never>> = {
  description: 'Search the latest release notes',
  input: z.object({}),
  execute: () => ({ message: 'Release 4.2 changed the login flow.' }),
};

/** Asks a developer and waits (durably, up to 4 hours) for their answer event on this ticket. */
const askDeveloper: AgentTool<{ ticketId: string; question: string }> = {
  description: 'Ask a developer for input on a technical issue; waits up to 4 hours',
  input: z.object({ ticketId: z.string(), question: z.string() }),
  run: async (args, ctx: WorkflowContext) => {
    await ctx.setStatus('agent', { status: 'pending_human', question: args.question });
    const response = await ctx.waitForEvent<{ answer: string }>(DEVELOPER_RESPONSE, {
      match: { ticketId: args.ticketId },
      timeout: '4h',
    });
    if (!response) throw new Error('No developer response within 4 hours');
    return {
      developerResponse: response.data.answer,
      responseTime: response.at,
      message: `A developer says: ${response.data.answer}`,
    };
  },
};

/**
 * A support network: a supervisor routes each ticket (critical ones to technical support); the
 * technical agent may ask a developer, whose answer arrives as an event matched on ticketId.
 */
export function registerSupport(heed: Heed, model: LanguageModel) {
  return heed.workflow('support-ticket', async (ctx, ticket: Ticket) => {
    const route = await ctx.step('route', () => (ticket.critical ? 'technical' : 'customer'));
    await ctx.setStatus('agent', { status: 'working', agent: route });
    const turn = await runAgent(
      ctx,
      route === 'technical'
        ? {
            model,
            system: 'You are a technical support specialist.',
            tools: { search_release_notes: searchReleaseNotes, ask_developer: askDeveloper },
            contactHuman: false,
          }
        : {
            model,
            system: 'You are a customer support agent.',
            tools: { search_knowledge_base: searchKnowledgeBase },
            contactHuman: false,
          },
      [{ role: 'user', content: `Ticket ${ticket.ticketId}: ${ticket.title}. ${ticket.description}` }],
    );
    return { agent: route, reply: turn.text, actions: turn.actions.map((a) => ({ tool: a.tool, outcome: a.outcome })) };
  });
}
