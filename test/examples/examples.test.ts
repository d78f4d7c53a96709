import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { DEVELOPER_RESPONSE, registerSupport } from '../../examples/support-ticket/support.ts';
import { tempDir, testEngine } from '../helpers.ts';
import { runExample } from './run-example.ts';

const db = (name: string) => join(tempDir('heed-example-'), `${name}.db`);

describe('the five scenarios, run as their READMEs say', () => {
  it('1. banking from the CLI: approve a $150 transfer; reject one in the router style and hear why', async () => {
    const file = db('banking');
    const approved = await runExample('banking/main.ts', ['Transfer $150 to Alice'], file, 'approve\n\n');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('? Transfer $150 to Alice?');
    expect(approved.out).toContain('agent: Transferred $150 to Alice.');
    const rejected = await runExample(
      'banking/main.ts',
      ['--router', 'Deposit $20 and transfer $150 to Bob'],
      file,
      'reject\nnot today\n',
    );
    expect(rejected.out).toContain('style: router');
    expect(rejected.out).toContain('I did not transfer $150 to Bob: not today.');
  });

  it('2. support ticket: the developer answers through an event; without an answer the 4 h timeout reaches the agent', async () => {
    const answered = await runExample('support-ticket/main.ts', [], db('support'));
    expect(answered.out).toContain('"status":"pending_human"');
    expect(answered.out).toContain('"reply": "A developer says: Roll back the login flow flag; fixed in 4.2.1."');
    const timedOut = await runExample('support-ticket/main.ts', ['--no-answer', '--fast'], db('support-timeout'));
    expect(timedOut.out).toContain('"reply": "ask_developer failed: No developer response within 4 hours."');
  });

  it('2. support ticket: the event arrives while no process runs; a restart continues', async () => {
    const { heed, reopen } = testEngine();
    const support = registerSupport(heed, new OfflineModel());
    await heed.start();
    const run = await support.start({
      ticketId: 'T-7',
      title: 'Export fails',
      description: 'CSV is empty',
      critical: true,
    });
    await heed.idle();
    expect((await heed.runs.get(run.id))?.waitingOn).toMatchObject([{ kind: 'event', event: DEVELOPER_RESPONSE }]);
    await heed.stop();
    const client = reopen();
    await client.emit(DEVELOPER_RESPONSE, { ticketId: 'T-8', answer: 'not this ticket' });
    await client.emit(DEVELOPER_RESPONSE, { ticketId: 'T-7', answer: 'Use the v2 exporter.' });
    const next = reopen();
    registerSupport(next, new OfflineModel());
    await next.start();
    expect(await next.handle(run.id).result()).toMatchObject({
      agent: 'technical',
      reply: 'A developer says: Use the v2 exporter.',
    });
  });

  it('3. async approval: reminder at 5 min, escalation at 30 min, the backup approves at 2 h (virtual clock)', async () => {
    const { out, code } = await runExample('async-approval/main.ts', ['--fast'], db('async'));
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([
      '+0m notify created: user:analyst-lead — Export customers_q1 (contains PII)?',
      expect.stringMatching(/^\+0m asked: waiting for user:analyst-lead \(run .*\); deadline \+480m$/),
      '+5m notify reminder: user:analyst-lead — Export customers_q1 (contains PII)?',
      '+30m notify escalated: user:backup-reviewer — Export customers_q1 (contains PII)?',
      '+120m user:backup-reviewer approves from their phone',
      '+120m resumed: {"outcome":"approve","by":"user:backup-reviewer","via":"slack","status":"resolved"}',
      // The 8 h deadline it describes: the same request, unanswered, fails closed.
      '+120m notify created: user:analyst-lead — Export payroll_2026 (contains PII)?',
      '+120m asked again; nobody answers this time',
      '+125m notify reminder: user:analyst-lead — Export payroll_2026 (contains PII)?',
      '+150m notify escalated: user:backup-reviewer — Export payroll_2026 (contains PII)?',
      '+600m deadline (8 h after asking): {"outcome":"reject","by":"system","via":"timeout","status":"resolved"}',
    ]);
  });

  it('4. agent inbox: agents waiting for a human are listed with their published status', async () => {
    const { out } = await runExample('agent-inbox/main.ts', ['--once'], db('inbox'));
    const waiting = out.split('\n').filter((l) => l.includes('pending_approval'));
    expect(waiting).toHaveLength(2);
    expect(waiting.join('\n')).toContain('Transfer $150 to Alice?');
    expect(waiting.join('\n')).toContain('Transfer $500 to Bob?');
    expect(out).not.toMatch(/"amount":50[,}]/);
  });

  it('5. humans as tools: the agent asks, its process exits, the answer arrives, a new process continues', async () => {
    const file = db('humans');
    const started = await runExample('humans-as-tools/main.ts', ['start'], file);
    expect(started.out).toContain('the agent asks user:ops: "Deploy the new build. Which region should I deploy to?"');
    expect((await runExample('humans-as-tools/main.ts', ['answer', 'eu-west-1'], file)).out).toContain(
      'answered: eu-west-1',
    );
    const resumed = await runExample('humans-as-tools/main.ts', ['resume'], file);
    expect(resumed.out).toContain('Deployed build 4.2.1 to eu-west-1.');
    expect(resumed.out).toContain('"tool": "contact_human"');
  });
});
