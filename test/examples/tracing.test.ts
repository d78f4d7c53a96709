import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

describe('examples/tracing: one approval traced and counted', () => {
  it('prints the run’s trace across two processes, the task’s trace with its reminder and escalation, and the metrics', async () => {
    const { code, out } = await runExample('tracing/main.ts', [], `${tempDir()}/unused.db`);
    expect(code).toBe(0);
    expect(out).toContain('The run refund-A-1001, executed by two processes');
    expect(out).toMatch(/heed\.run\.execute {2}\+0\.0m \(0\.0m\) outcome=waiting/);
    expect(out).toMatch(/heed\.run\.execute {2}\+12\.0m \(0\.0m\) outcome=completed/);
    expect(out).toMatch(
      /heed\.task approval {2}\+0\.0m \(12\.0m\) outcome=approve reminders=1 escalation_level=1 → linked to trace/,
    );
    expect(out).toContain('heed_task_decision_seconds_sum{type="approval",policy="none",outcome="approve"} 720');
    expect(out).toContain('heed_task_reminders_total{type="approval"} 1');
  });
});
