/**
 * An app that keeps its own AI SDK loop (`streamText` with a `needsApproval` tool) and hands each
 * approval to a durable Heed task: `npm run example -- ai-sdk-approvals 'Transfer $150 to Alice'`
 * (single quotes: in double quotes the shell reads `$1` as a variable).
 * Answer at the prompt, or end the input (Ctrl-D) and answer later: the example's store is its
 * own SQLite file (not the one `npm start` serves), so it prints how to serve an inbox on that
 * file; running it again with no message picks the conversation up where it stopped.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type ModelMessage, streamText, tool } from 'ai';
import { z } from 'zod';
import { AiSdkApprovals, modelFromEnvironment } from '../../src/agent.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';

const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/ai-sdk.db';
const saved = `${db}.conversation.json`;
const heed = new Heed({ store: new SqliteStore(db) });
await heed.start();

// The app's own tools and model, as the AI SDK documents them.
const tools = {
  transfer: tool({
    description: 'Transfer money from your account to someone',
    inputSchema: z.object({ to: z.string(), amount: z.number().positive() }),
    needsApproval: ({ amount }) => amount > 100,
    execute: async ({ to, amount }) => ({ message: `Sent $${amount} to ${to}.` }),
  }),
};
const { model, label } = modelFromEnvironment();
const approvals = new AiSdkApprovals(heed, {
  assignees: ['user:you'],
  deadline: '1d',
  title: (call) => {
    const { to, amount } = call.input as { to: string; amount: number };
    return `Transfer $${amount} to ${to}?`;
  },
});

const message = process.argv.slice(2).join(' ');
const messages: ModelMessage[] =
  !message && existsSync(saved)
    ? JSON.parse(readFileSync(saved, 'utf8'))
    : [{ role: 'user', content: message || 'Transfer $150 to Alice' }];
const save = () => {
  mkdirSync(dirname(saved), { recursive: true });
  writeFileSync(saved, JSON.stringify(messages));
};
console.log(`model: ${label}\n> ${(messages[0] as { content: string }).content}`);

const rl = createInterface({ input: process.stdin, terminal: false });
const lines = rl[Symbol.asyncIterator]();
const ask = async (question: string) => {
  process.stdout.write(question);
  const next = await lines.next();
  return next.done ? undefined : String(next.value).trim();
};

/** How to answer later: an inbox served on this example's own store, then this again. */
function later(taskId: string): string {
  const port = 4001; // beside `npm start` on 4000
  return [
    '',
    `no answer given: the approval waits in Heed, in this example's store (${db}).`,
    'To answer it later, serve an inbox on that store (stop it with Ctrl-C when done):',
    `  npx heed serve --db ${db} --port ${port} --no-demo`,
    `and open http://127.0.0.1:${port}/#/task/${encodeURIComponent(taskId)} signed in as user:you, or answer from the terminal:`,
    `  npx heed respond ${taskId} approve --as user:you --url http://127.0.0.1:${port}`,
    'then run this again with no message: npm run example -- ai-sdk-approvals',
  ].join('\n');
}

for (let round = 0; round < 6; round++) {
  const { message: answers, pending } = await approvals.resolve(messages);
  if (pending.length > 0) {
    for (const task of pending) {
      console.log(`\n? ${(await heed.tasks.get(task.taskId))?.title}  (Heed task ${task.taskId})`);
      const outcome = await ask('  approve/reject: ');
      const comment = outcome === undefined ? undefined : await ask('  comment: ');
      if (outcome === undefined || comment === undefined) {
        save();
        console.log(later(task.taskId));
        process.exit(0);
      }
      await heed.tasks
        .respond(task.taskId, { outcome, ...(comment ? { comment } : {}) }, { principal: 'user:you', via: 'cli' })
        .catch((error: Error) => console.log(`  ${error.message}`));
    }
    continue;
  }
  if (answers) messages.push(answers);
  else if (round > 0) break;
  const result = streamText({ model, tools, messages });
  let said = false;
  for await (const delta of result.textStream) {
    process.stdout.write(said ? delta : `agent: ${delta.trimStart()}`);
    said = true;
  }
  if (said) process.stdout.write('\n');
  messages.push(...(await result.response).messages);
  save();
}
rl.close();
await heed.stop();
