import { modelFromEnvironment } from '../agent/models.ts';
import { registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { paint } from './format.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { storeFromFlags } from './store-flags.ts';
import { importWorkflowModules } from './workflow-modules.ts';

export interface WorkerFlags {
  postgres?: string | undefined;
  demo?: boolean | undefined;
  import?: string[] | undefined;
  concurrency?: string | undefined;
  /** How long a run stays a dead worker's before another takes it (default 30 s), e.g. `5s`. */
  lease?: string | undefined;
}

/**
 * `heed worker --postgres URL`: executes runs (and timers) from a PostgreSQL store shared with
 * `heed serve` and other workers, on this or any machine; no HTTP. Registers the demo workflows
 * unless `--no-demo`, and the user's own from `--import MODULE` (repeatable). Stops gracefully on
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
  const { store, label } = storeFromFlags({ postgres: flags.postgres });
  const heed = new Heed({ store, concurrency, ...(flags.lease ? { lease: flags.lease } : {}) });
  const model = flags.demo ? modelFromEnvironment() : undefined;
  if (model) registerDemoWorkflows(heed, model.model);
  await importWorkflowModules(heed, flags.import ?? []);
  await heed.start();
  console.log(`${paint('green', 'Heed worker')} pid ${process.pid} executing runs from ${label}`);
  stopOnSignals(() => heed.stop());
}
