/**
 * `npm run example -- agent-inbox`: several banking agents publish their status (working,
 * pending_approval, denied, done); the agent inbox (`GET /v1/agents/waiting`, and `#/agents` in
 * the web inbox) lists every agent waiting for a human. Prints the list, then serves the inbox
 * until Ctrl-C at the URL it announces (`--port N` fixes the port; `--once` prints and exits).
 */
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { SqliteStore } from '../../src/sqlite.ts';

const heed = new Heed({ store: new SqliteStore(process.env.HEED_EXAMPLE_DB ?? '.heed/examples/agent-inbox.db') });
registerBanking(heed, new OfflineModel());
// `--port N` (or PORT) fixes the port; by default a free one is picked and announced below.
const portFlag = process.argv.indexOf('--port');
const port = Number(portFlag >= 0 ? process.argv[portFlag + 1] : (process.env.PORT ?? 0));
const server = await startServer(heed, { port });
for (const message of ['Transfer $50 to Alice', 'Transfer $150 to Alice', 'Transfer $500 to Bob']) {
  await heed.startWorkflow('banking', { message });
}
await heed.idle();
const waiting = (await (await fetch(`${server.url}/v1/agents/waiting`)).json()) as {
  items: { runId: string; status: unknown; tasks: { title: string }[] }[];
};
for (const agent of waiting.items)
  console.log(`${agent.runId}  ${JSON.stringify(agent.status)}  ${agent.tasks.map((t) => t.title).join('; ')}`);
if (process.argv.includes('--once')) await server.close();
else {
  console.log(`Serving the agent inbox at ${server.url}/#/agents (sign in as user:ops; Ctrl-C stops)`);
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}
