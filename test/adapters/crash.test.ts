import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Sandbox, waitUntil, WorkerProcess } from '../crash/helpers.ts';
import type { RefundOutput } from './approval-suite.ts';

const FIXTURE = fileURLToPath(new URL('./crash-fixture.ts', import.meta.url));

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

/** A real process running the adapter on the sandbox's SQLite file. */
async function worker(box: Sandbox, framework: string, start = false) {
  const process = new WorkerProcess(box.dbPath, box.dir, [framework, ...(start ? ['start'] : [])], FIXTURE);
  await process.waitForLine('READY');
  return process;
}

const logged = (box: Sandbox) => readFileSync(join(box.dir, 'log'), 'utf8').trim().split('\n');

// SQLite only by nature: real processes SIGKILLed on one file.
describe.each(['langgraph', 'mastra'])('%s: a process killed after the answer, inside the resume', (framework) => {
  it('loses nothing and never resumes twice: the next process resumes from the same recorded state with the same decision', async () => {
    const box = new Sandbox();
    sandbox = box;
    const asking = await worker(box, framework, true);
    const task = await waitUntil('the approval task', async () => {
      const [pending] = (await box.client.tasks.list({ status: 'pending', askedBy: 'refund-1' })).items;
      return pending;
    });
    await asking.kill();

    // Answered while no process runs the framework; the next one resumes and is killed mid-resume.
    await box.client.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice', via: 'api' });
    const crashing = await worker(box, framework);
    expect((await crashing.exited).signal).toBe('SIGKILL');
    expect(logged(box)).toEqual([`resumed ${task.id} user:alice`]);
    expect((await box.run('refund-1')).status).not.toBe('succeeded');

    await worker(box, framework);
    const output = await box.result<RefundOutput>('refund-1');
    expect(output.output).toMatchObject({ result: 'refunded 1234 for K-1' });
    // The resume ran again with the same decision (the task's one result), and refunded once.
    expect(logged(box)).toEqual([
      `resumed ${task.id} user:alice`,
      `resumed ${task.id} user:alice`,
      'refunded K-1 1234',
    ]);
    expect((await box.recordedSteps('refund-1')).filter((name) => name.endsWith('.resume'))).toHaveLength(1);
  });
});
