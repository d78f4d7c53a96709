/**
 * `npm run example -- humans-as-tools start` starts the deploy agent, which asks `user:ops`
 * which region to use, and exits while it waits. Answer from anywhere sharing the file:
 * `npm run example -- humans-as-tools answer eu-west-1` (or `heed respond ID answer --comment
 * eu-west-1`, or the inbox, or a webhook-driven bot over HTTP). `… main.ts resume` continues it.
 */
import { modelFromEnvironment } from '../../src/agent/models.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { registerDeployAgent } from './agent.ts';

const [command = 'start', answer] = process.argv.slice(2);
const heed = new Heed({ store: new SqliteStore(process.env.HEED_EXAMPLE_DB ?? '.heed/examples/humans-as-tools.db') });
const agent = registerDeployAgent(heed, modelFromEnvironment().model);
const RUN = 'deploy-1';

if (command === 'start') {
  await heed.start();
  await agent.start({ message: 'Deploy the new build. Which region should I deploy to?' }, { id: RUN });
  await heed.idle();
  const [task] = (await heed.tasks.inbox('user:ops')).items;
  console.log(`the agent asks user:ops: "${task?.title}" (task ${task?.id}); exiting while it waits`);
} else if (command === 'answer') {
  const [task] = (await heed.tasks.inbox('user:ops')).items;
  if (!task) throw new Error('no question is waiting');
  await heed.tasks.respond(
    task.id,
    { outcome: 'answer', comment: answer ?? 'eu-west-1' },
    { principal: 'user:ops', via: 'cli' },
  );
  console.log(`answered: ${answer ?? 'eu-west-1'}`);
} else {
  await heed.start();
  console.log(JSON.stringify(await heed.handle(RUN).result({ timeout: '30s' }), null, 2));
}
await heed.stop();
