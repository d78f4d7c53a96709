/**
 * Workflows for the multi-process tests, loaded by `heed serve`/`heed worker` with `--import`.
 * Every step records its execution (run, process, step, start and end on the database's clock)
 * in `executions`, through its own connection to HEED_TEST_EXECUTIONS_URL, so the test can check
 * that no run was ever executed by two processes at once.
 */
import pg from 'pg';
import type { Heed } from '../../src/human/heed.ts';

const pool = new pg.Pool({ connectionString: process.env.HEED_TEST_EXECUTIONS_URL, max: 4 });
pool.on('error', () => {});
pool.on('connect', (client) => client.on('error', () => {}));

/** Retries a statement while the server restarts (the step must not fail for that). */
async function record(text: string, values: unknown[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await pool.query<{ id: number }>(text, values);
      return result.rows[0]?.id ?? 0;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export default function register(heed: Heed): void {
  heed.workflow('load', async (ctx, input: { n: number }) => {
    let total = 0;
    for (let step = 1; step <= 3; step++) {
      total += await ctx.step(`step-${step}`, async () => {
        const id = await record('INSERT INTO executions (run_id, pid, step) VALUES ($1, $2, $3) RETURNING id', [
          ctx.runId,
          process.pid,
          step,
        ]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await record('UPDATE executions SET ended_at = clock_timestamp() WHERE id = $1', [id]);
        return input.n;
      });
      if (step === 2) await ctx.sleep(30);
    }
    return { total, pid: process.pid };
  });
}
