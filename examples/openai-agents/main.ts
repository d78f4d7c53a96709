/**
 * The OpenAI Agents JS adapter (`heed/openai-agents`), offline: a support agent whose `refund` tool
 * has `needsApproval`; the SDK's interruption becomes a Heed approval task, the run waits in the
 * store, and it resumes from its saved RunState once someone decides:
 *
 *   npm run example -- openai-agents 'Refund order A-17 ($150): it arrived broken'
 *
 * Answer at the prompt, or end the input (Ctrl-D) and answer later (it prints how); running it
 * again with no message picks the run up where it stopped. The model is a local server in this
 * process speaking the Responses API (`model.ts`: no key, no network); with OPENAI_API_KEY set it
 * is OpenAI's (the SDK's default provider).
 */
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import { z } from 'zod';
import { Heed } from '../../src/index.ts';
import { openAIAgentWorkflow } from '../../src/openai-agents/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { answerNowOrLater } from '../terminal.ts';
import { offlineResponsesApi } from './model.ts';

const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/openai-agents.db';
const real = Boolean(process.env.OPENAI_API_KEY);
// Traces would go to OpenAI's servers: not from an offline example.
if (!real) setTracingDisabled(true);
const offline = real ? undefined : await offlineResponsesApi();

const heed = new Heed({ store: new SqliteStore(db) });
const refund = tool({
  name: 'refund',
  description: 'Refund an order, in cents',
  parameters: z.object({ order: z.string(), cents: z.number().int().positive() }),
  needsApproval: true,
  // A real refund would pass the call id as its idempotency key: a step can run twice after a crash.
  execute: async ({ order, cents }) => `refunded $${(cents / 100).toFixed(2)} for order ${order}`,
});
const support = openAIAgentWorkflow(heed, 'support', {
  agent: new Agent({
    name: 'support',
    instructions: 'You help customers. Refund an order when asked, with the refund tool.',
    ...(real ? {} : { model: 'offline' }),
    tools: [refund],
  }),
  ...(offline
    ? { runner: new Runner({ modelProvider: new OpenAIProvider({ baseURL: offline.baseURL, apiKey: 'offline' }) }) }
    : {}),
  approval: (call) => ({
    assignees: ['user:you'],
    deadline: '1d',
    title: `Refund ${String(call.args.order)} ($${(Number(call.args.cents) / 100).toFixed(2)})?`,
  }),
});
await heed.start();

const message = process.argv.slice(2).join(' ');
// With no message: the latest conversation, where it stopped (a new process resumes it from the store).
const [latest] = message ? [] : (await heed.runs.list({ workflow: 'support', limit: 1 })).items;
const run = latest
  ? heed.handle(latest.id)
  : await support.start({ input: message || 'Refund order A-17 ($150): it arrived broken.' });
console.log(`model: ${real ? 'OpenAI (OPENAI_API_KEY)' : 'offline (a local Responses API)'}`);

await answerNowOrLater(heed, run.id, db, 'openai-agents');
const info = await heed.runs.get(run.id);
if (info?.status === 'succeeded') {
  const output = (await heed.handle(run.id).result()) as { finalOutput: unknown };
  console.log(`agent: ${String(output.finalOutput)}`);
} else if (info?.status === 'failed') console.log(`the run failed: ${info.error?.message}`);
await heed.stop();
await offline?.close();
