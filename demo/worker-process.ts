/**
 * A worker process for the restart demo: opens the SQLite file given as argv[2], registers the
 * workflow and executes runs until it is killed.
 */
import { Heed } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { registerRefundWorkflow } from './demo-workflow.ts';

const [dbPath, effectsLog] = process.argv.slice(2);
if (!dbPath || !effectsLog) throw new Error('usage: worker-process.ts DB_PATH EFFECTS_LOG');
const heed = new Heed({ store: new SqliteStore(dbPath), pollInterval: '100ms' });
registerRefundWorkflow(heed, effectsLog);
await heed.start();
process.stdout.write('ready\n');
const shutdown = () => void heed.stop().then(() => process.exit(0));
process.on('SIGTERM', shutdown);
// The demo holds our stdin: when it ends (the demo exited or died), so do we.
process.stdin.on('end', shutdown).resume();
