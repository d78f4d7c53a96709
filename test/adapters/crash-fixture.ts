/**
 * Child process for the adapters' crash test: registers the LangGraph or Mastra refund adapter on a
 * SQLite file and, with `start`, starts run `refund-1`. The framework's code after its stop logs
 * each resume to `<dir>/log` and SIGKILLs this process the first time (a marker file), before the
 * resume step's result is recorded; it logs `refunded` once it refunds.
 *
 * Usage: node crash-fixture.ts <db path> <dir> <langgraph|mastra> [start]
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolDecision } from '../../src/agent/approval-rounds.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { langGraphRefunds } from '../langgraph/refunds.ts';
import { mastraRefunds } from '../mastra/refunds.ts';
import type { Effects } from './approval-suite.ts';

const [db, dir, framework, mode] = process.argv.slice(2);
if (!framework || !db || !dir) throw new Error('usage: crash-fixture.ts <db> <dir> <langgraph|mastra> [start]');
const log = (line: string) => appendFileSync(join(dir, 'log'), `${line}\n`);

/** An array whose pushes are also reported (to log them for the parent test, or to crash). */
function logged<T>(onPush: (item: T) => void): T[] {
  const items: T[] = [];
  items.push = (...added: T[]) => {
    for (const item of added) onPush(item);
    return Array.prototype.push.apply(items, added);
  };
  return items;
}

const effects: Effects = {
  resumedWith: logged<ToolDecision>((decision) => {
    log(`resumed ${decision.taskId} ${decision.by}`);
    const marker = join(dir, 'killed');
    if (!existsSync(marker)) {
      writeFileSync(marker, String(process.pid));
      process.kill(process.pid, 'SIGKILL');
    }
  }),
  refunds: logged((refund) => log(`refunded ${refund.order} ${refund.cents}`)),
};
const adapter = framework === 'mastra' ? mastraRefunds : langGraphRefunds;
const heed = new Heed({ store: new SqliteStore(db), lease: '1s', pollInterval: '100ms' });
const workflow = adapter.register(heed, effects);
await heed.start();
if (mode === 'start') await workflow.start({ input: { order: 'K-1', cents: 1234 } }, { id: 'refund-1' });
process.stdout.write('READY\n');
process.stdin.on('end', () => void heed.stop({ grace: 0 }).then(() => process.exit(0))).resume();
