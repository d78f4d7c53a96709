/**
 * `npm run example -- support-ticket`: a critical ticket goes to technical support, which asks
 * a developer and waits for the `app/support.ticket.developer-response` event; this script plays
 * the developer (emits the event after a moment). `--no-answer --fast` shows the 4 h timeout.
 */
import { modelFromEnvironment } from '../../src/agent/models.ts';
import { Heed, VirtualClock } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { DEVELOPER_RESPONSE, registerSupport } from './support.ts';

const fast = process.argv.includes('--fast');
const answer = !process.argv.includes('--no-answer');
const clock = fast ? new VirtualClock() : undefined;
const heed = new Heed({
  store: new SqliteStore(process.env.HEED_EXAMPLE_DB ?? '.heed/examples/support.db'),
  ...(clock ? { clock } : {}),
});
const support = registerSupport(heed, modelFromEnvironment().model);
await heed.start();
const ticketId = `T-${Date.now() % 100000}`;
const run = await support.start({
  ticketId,
  title: 'App crashes on login',
  description: 'Since this morning.',
  critical: true,
});
await heed.idle();
console.log(`ticket ${ticketId}: agent status ${JSON.stringify(await heed.getStatus(run.id, 'agent'))}`);
if (answer) {
  console.log('developer: answering on the event bus');
  await heed.emit(DEVELOPER_RESPONSE, { ticketId, answer: 'Roll back the login flow flag; fixed in 4.2.1.' });
} else if (clock) {
  console.log('nobody answers; advancing 4 hours');
  await clock.advance('4h');
}
const output = await run.result({ timeout: '30s' });
console.log(JSON.stringify(output, null, 2));
await heed.stop();
