import { modelFromEnvironment } from '../agent/models.ts';
import { DEFAULT_DEMO_APPROVERS, DEMO_WORKFLOWS, registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { workingHoursOfPeople } from '../human/working-hours.ts';
import { policiesOf, readConfigFile } from './config-file.ts';
import { paint } from './format.ts';
import { channelsFromConfig, linkSecretOf } from './process-setup.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { storeFromFlags } from './store-flags.ts';
import { importWorkflowModules, workflowLines } from './workflow-modules.ts';

export interface WorkerFlags {
  postgres?: string | undefined;
  /**
   * The `heed serve` configuration file: the worker reads `groups`, `demo.approvers` and the
   * channels (`people`, `email`, `slack`, `teams`, `publicUrl`, `linkSecret`) so the tasks it asks are
   * notified as `heed serve`'s are.
   */
  config?: string | undefined;
  demo?: boolean | undefined;
  import?: string[] | undefined;
  concurrency?: string | undefined;
  /** How long a run stays a dead worker's before another takes it (default 30 s), e.g. `5s`. */
  lease?: string | undefined;
}

/**
 * `heed worker --postgres URL`: executes runs (and timers) from a PostgreSQL store shared with
 * `heed serve` and other workers, on this or any machine; no HTTP. Registers the demo workflows
 * unless `--no-demo` (asking `demo.approvers` of `--config`, like `heed serve`), and the user's
 * own from `--import MODULE` (repeatable). Email and Slack notices of the tasks it asks go out as
 * `--config` configures them, like `heed serve`'s (without SMTP or a Slack token, to the shared
 * outbox that `heed serve` shows). Stops gracefully on
 * SIGTERM or SIGINT (in-flight steps get 10 s, the rest are handed back to other workers).
 */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  if (!flags.postgres && !process.env.HEED_POSTGRES_URL) {
    throw new Error('heed worker needs a store shared with other processes: --postgres URL (or HEED_POSTGRES_URL)');
  }
  const concurrency = flags.concurrency === undefined ? 64 : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`--concurrency must be a positive integer, got ${flags.concurrency}`);
  }
  const config = readConfigFile(flags.config);
  const groups = config.groups ?? {};
  const { store, label } = storeFromFlags({ postgres: flags.postgres });
  const channels = channelsFromConfig(config);
  const heed = new Heed({
    store,
    concurrency,
    groupsOf: (principal) => groups[principal] ?? [],
    notifiers: channels.notifiers,
    ...policiesOf(config),
    // Reminders and escalations of `businessHours` policies wait for the people's working hours.
    workingHours: workingHoursOfPeople(config.people ?? {}),
    ...(flags.lease ? { lease: flags.lease } : {}),
    ...(config.retention !== undefined ? { retention: config.retention } : {}),
  });
  await heed.ready();
  // Links in notices point at `publicUrl` (the worker serves no HTTP) and are signed with the
  // secret every process on the store shares.
  const publicUrl = channels.config.publicUrl ?? '';
  channels.attach(heed, { linkSecret: await linkSecretOf(config, undefined, store), baseUrl: () => publicUrl });
  const model = flags.demo ? modelFromEnvironment() : undefined;
  const demoApprovers = config.demo?.approvers ?? [...DEFAULT_DEMO_APPROVERS];
  if (model) registerDemoWorkflows(heed, model.model, { approvers: demoApprovers });
  const imported = await importWorkflowModules(heed, flags.import ?? []);
  await heed.start();
  await channels.start();
  console.log(`${paint('green', 'Heed worker')} pid ${process.pid} executing runs from ${label}`);
  const lines = workflowLines(model ? DEMO_WORKFLOWS : [], imported);
  for (const line of lines) console.log(line);
  if (lines.length === 0)
    console.log("  workflows none: it only runs Heed's own (tasks, notices); add --import MODULE");
  if (model)
    console.log(`  demo approvals go to ${demoApprovers.join(', ')} (config demo.approvers), never to whoever asked`);
  if (imported.some((m) => m.workflows.length > 0)) {
    console.log(
      '  start them through a server that registers them too (heed serve --import MODULE): a server without them answers 404',
    );
  }
  stopOnSignals(async () => {
    channels.stop();
    await heed.stop();
  });
}
