import { modelFromEnvironment } from '../agent/models.ts';
import { DEFAULT_DEMO_APPROVERS, DEMO_WORKFLOWS, registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { startServer } from '../server/serve.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { workingHoursOfPeople } from '../human/working-hours.ts';
import { policiesOf, readConfigFile } from './config-file.ts';
import { paint } from './format.ts';
import { channelsFromConfig, linkSecretOf } from './process-setup.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { storeFromFlags } from './store-flags.ts';
import { importWorkflowModules, workflowLines } from './workflow-modules.ts';

export interface ServeFlags {
  db?: string | undefined;
  postgres?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  config?: string | undefined;
  demo?: boolean | undefined;
  import?: string[] | undefined;
  lease?: string | undefined;
}

/**
 * `heed serve`: the API, the inbox, the workers and the timers in one process, until SIGTERM or
 * SIGINT, when it stops gracefully (in-flight steps get 10 s, the rest are handed back).
 */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = readConfigFile(flags.config);
  const keys = new Map(Object.entries(config.keys ?? {}));
  for (const pair of (process.env.HEED_API_KEYS ?? '').split(',').filter(Boolean)) {
    const [key, principal] = pair.split('=');
    if (key && principal) keys.set(key.trim(), principal.trim());
  }
  const groups = config.groups ?? {};
  const groupsOf = (principal: string) => groups[principal] ?? [];
  const port = flags.port === undefined ? 4000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${flags.port}`);

  const { store, label } = storeFromFlags(flags);
  const db = store instanceof SqliteStore ? store.path : undefined;
  // Email and Slack: without SMTP or a Slack token, notices go to the local outbox (/outbox).
  const channels = channelsFromConfig(config);
  const heed = new Heed({
    store,
    groupsOf,
    notifiers: channels.notifiers,
    ...policiesOf(config),
    // Reminders and escalations of `businessHours` policies wait for the people's working hours.
    workingHours: workingHoursOfPeople(config.people ?? {}),
    ...(flags.lease ? { lease: flags.lease } : {}),
    ...(config.retention !== undefined ? { retention: config.retention } : {}),
    // A served Heed is scraped: Node's process metrics and store latency too (see GET /metrics).
    metrics: { processMetrics: true, storeLatency: true },
  });
  // Open (and check) the store first: a read-only or damaged store is the first thing said.
  await heed.ready();
  const model = flags.demo ? modelFromEnvironment() : undefined;
  const demoApprovers = config.demo?.approvers ?? [...DEFAULT_DEMO_APPROVERS];
  if (model) registerDemoWorkflows(heed, model.model, { approvers: demoApprovers });
  const imported = await importWorkflowModules(heed, flags.import ?? []);
  // The demo agents are open to every principal unless the config says otherwise.
  const startable = {
    ...(model ? Object.fromEntries(DEMO_WORKFLOWS.map((w) => [w, ['*']])) : {}),
    ...config.startable,
  };
  const server = await startServer(heed, {
    port,
    host: flags.host ?? '127.0.0.1',
    auth: { keys, admins: new Set(config.admins ?? []) },
    groupsOf,
    startable,
    ...(config.permissions ? { permissions: config.permissions } : {}),
    allowPrivateCallbacks: config.allowPrivateCallbacks ?? false,
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
    ...(model ? { demoApprovers } : {}),
    linkSecret: await linkSecretOf(config, db, store),
    webhooks: {
      ...config.webhooks,
      ...(process.env.HEED_WEBHOOK_SECRET ? { callbackSecret: process.env.HEED_WEBHOOK_SECRET } : {}),
    },
    ...(channels.config.publicUrl ? { publicUrl: channels.config.publicUrl } : {}),
    channels,
    ...(config.digest ? { digest: config.digest } : {}),
  });
  console.log(`${paint('green', 'Heed')} is serving on ${server.url}`);
  console.log(`  inbox  ${server.url}/`);
  console.log(`  API    ${server.url}/v1  (reference: ${server.url}/v1/docs)`);
  console.log(`  store  ${label}`);
  const offline = (['email', 'slack'] as const).filter((c) => channels.offline(c));
  if (offline.length > 0)
    console.log(`  outbox ${server.url}/outbox  (${offline.join(' and ')} not configured: notices are kept here)`);
  if (channels.teams) console.log(`  teams  ${server.url}/v1/channels/teams/messages  (the bot's messaging endpoint)`);
  if (model) {
    console.log(`  demo   workflows ${DEMO_WORKFLOWS.join(', ')}; model: ${model.label}`);
    console.log(
      `         approvals go to ${demoApprovers.join(', ')} (config demo.approvers), never to whoever asked; unanswered, they are rejected after 1 h`,
    );
  }
  for (const line of workflowLines([], imported)) console.log(line);
  stopOnSignals(() => server.close());
}
