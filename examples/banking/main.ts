/**
 * The banking agent from a terminal: `npm run example -- banking [--router] "Transfer $150 to Alice"`.
 * Transfers over $100 stop and ask you here; everything is durable in .heed/examples/banking.db.
 */
import { modelFromEnvironment } from '../../src/agent/models.ts';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { answerAtTerminal, answerLater } from '../terminal.ts';

const args = process.argv.slice(2);
const router = args.includes('--router');
const message = args.filter((a) => a !== '--router').join(' ') || 'Transfer $150 to Alice';
const { model, label } = modelFromEnvironment();
const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/banking.db';
const heed = new Heed({ store: new SqliteStore(db) });
registerBanking(heed, model);
await heed.start();
console.log(`model: ${label}; style: ${router ? 'router (structured output)' : 'tool calls'}`);
console.log(`> ${message}`);
const run = await heed.startWorkflow<BankingOutput>(router ? 'banking-router' : 'banking', { message });
const output = (await answerAtTerminal(heed, run.id)) as BankingOutput | { message?: string } | undefined;
if (output === undefined) {
  const task = (await heed.tasks.list({ status: 'pending', limit: 100 })).items.find((t) => t.runId === run.id);
  // The server's demo workflows include this agent, so the run resumes there once answered.
  const after = `then the agent's reply, once the server resumed the run: curl -s localhost:4001/v1/runs/${run.id}`;
  console.log(task ? answerLater({ db, taskId: task.id, after }) : `run ${run.id} waits in ${db}`);
} else console.log(`agent: ${'reply' in output ? output.reply : `the run failed: ${output.message}`}`);
await heed.stop();
