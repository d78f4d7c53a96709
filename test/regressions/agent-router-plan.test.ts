import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import { testEngine } from '../helpers.ts';

/**
 * In JSON mode (the router style) the offline model returns an action for every rule that
 * matched, whatever the requested schema allows (offline-model.ts: `intents.map(...)` with no
 * filter, unlike the tool-call path's `tools.has(i.tool)`). ActionPlan rejects the unknown action
 * type, the plan step fails on every retry, and the whole run fails.
 */
describe('offline model: the router action plan', () => {
  it('only holds actions the ActionPlan schema knows (a word like "export" does not fail the run)', async () => {
    const { heed, clock } = testEngine();
    registerBanking(heed, new OfflineModel());
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>('banking-router', {
      message: 'Check my balance so I can export statements.csv later',
    });
    // A failing plan step is retried with backoff on the (virtual) clock: move it on.
    for (let i = 0; i < 20; i++) {
      const status = (await heed.runs.get(run.id))?.status;
      if (status === 'succeeded' || status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await clock.advance('1m');
    }
    const info = await heed.runs.get(run.id);
    // Actual: failed: the plan holds {type: 'export_data', dataset: 'statements.csv'}.
    expect([info?.status, (info?.error as { message?: string } | undefined)?.message]).toEqual([
      'succeeded',
      undefined,
    ]);
    expect((info?.output as BankingOutput | undefined)?.reply).toContain('Your balance is $1000.');
  });
});
