/**
 * The banking agent from a terminal: `npm run example -- banking [--router] "Transfer $150 to Alice"`.
 * Transfers over $100 stop and ask you here; everything is durable in .heed/examples/banking.db.
 */
import { modelFromEnvironment } from '../../src/agent/models.ts';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { answerAtTerminal } from '../terminal.ts';

const args = process.argv.slice(2);
const router = args.includes('--router');
const message = args.filter((a) => a !== '--router').join(' ') || 'Transfer $150 to Alice';
const { model, label } = modelFromEnvironment();
const heed = new Heed({ store: new SqliteStore(process.env.HEED_EXAMPLE_DB ?? '.heed/examples/banking.db') });
registerBanking(heed, model);
await heed.start();
console.log(`model: ${label}; style: ${router ? 'router (structured output)' : 'tool calls'}`);
console.log(`> ${message}`);
const run = await heed.startWorkflow<BankingOutput>(router ? 'banking-router' : 'banking', { message });
const output = (await answerAtTerminal(heed, run.id)) as BankingOutput | { message?: string } | undefined;
if (output === undefined)
  console.log(`no answer given: run ${run.id} waits for its approval (answer it in the inbox or with heed respond)`);
else console.log(`agent: ${'reply' in output ? output.reply : `the run failed: ${output.message}`}`);
await heed.stop();
