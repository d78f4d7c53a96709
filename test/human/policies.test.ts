import { describe, expect, it } from 'vitest';
import { PolicyViolationError } from '../../src/errors.ts';
import { PolicySet } from '../../src/human/policies/policy-set.ts';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';
import type { TaskSpec } from '../../src/human/types.ts';
import { testEngine } from '../helpers.ts';
import { RecordingNotifier } from './helpers.ts';

const TRANSFERS: ApprovalPolicy = {
  name: 'transfers',
  match: { tool: 'transfer_*' },
  approvers: ['group:finance'],
  quorum: 1,
  deadline: { default: '4h', max: '1d' },
  remind: { after: '1h' },
};
const approval = (extra: Partial<TaskSpec> = {}): TaskSpec => ({
  type: 'approval',
  title: 'Transfer $150 to Alice?',
  action: { tool: 'transfer_money', args: { to: 'alice', amount: 150 } },
  ...extra,
});

describe('approval policies: the server decides, a request may only be stricter', () => {
  it('refuses each looser field of an HTTP caller, naming the policy and the field', () => {
    const set = new PolicySet([TRANSFERS]);
    const refused = (extra: Partial<TaskSpec>) => {
      try {
        set.resolve(approval(extra), 'caller');
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(PolicyViolationError);
        expect((error as Error).message).toContain('"transfers"');
        return (error as PolicyViolationError).issues.map((i) => i.path);
      }
    };
    expect(refused({ assignees: ['user:mallory'] })).toEqual(['assignees']);
    expect(refused({ deadline: '2d' })).toEqual(['deadline']);
    expect(refused({ onTimeout: 'approve' })).toEqual(['onTimeout']);
    expect(refused({ selfApproval: 'allowed' })).toEqual(['selfApproval']);
    expect(refused({ escalate: [{ after: '1m', to: ['user:mallory'] }] })).toEqual(['escalate']);
    expect(refused({ remind: { after: '3h' } })).toEqual(['remind']);
    expect(refused({ quorum: { approvals: 1, rejectEnds: false } })).toEqual(['quorum.rejectEnds']);
    // Stricter is welcome: more approvals, an earlier deadline, earlier reminders, more channels.
    expect(
      refused({
        assignees: ['group:finance'],
        quorum: 2,
        deadline: '10m',
        remind: { after: '5m', every: '5m', max: 3 },
        channels: ['email'],
        onTimeout: 'expire',
      }),
    ).toEqual([]);
  });

  it('replaces the looser fields of a model’s request and says which it ignored', () => {
    const outcome = new PolicySet([TRANSFERS]).resolve(
      approval({ assignees: ['user:mallory'], deadline: '1s', onTimeout: 'approve' }),
      'model',
    );
    expect(outcome?.spec).toMatchObject({ assignees: ['group:finance'], onTimeout: 'reject', deadline: '1s' });
    expect(outcome?.applied.ignored.map((i) => i.path)).toEqual(['assignees', 'onTimeout']);
    expect(outcome?.applied).toMatchObject({ name: 'transfers', version: expect.stringMatching(/^[0-9a-f]{12}$/) });
  });

  it('never lets an earlier deadline approve sooner where silence approves', () => {
    const lenient = new PolicySet([{ name: 'lenient', approvers: ['user:ops'], deadline: '1h', onTimeout: 'approve' }]);
    expect(() => lenient.resolve(approval({ deadline: '1s' }), 'caller')).toThrow(/deadline/);
    // Asking for silence to reject is always allowed.
    expect(lenient.resolve(approval({ deadline: '1s', onTimeout: 'reject' }), 'caller')?.spec.deadline).toBe('1s');
  });

  it('fails closed: what no policy governs is refused for agents and callers, and stands for the server’s own code', () => {
    const none = new PolicySet([TRANSFERS]);
    const question: TaskSpec = { type: 'clarification', title: 'Which region?', assignees: ['user:mallory'] };
    expect(() => none.resolve(question, 'model')).toThrow(/No approval policy governs this clarification/);
    expect(() => none.resolve(question, 'caller')).toThrow(PolicyViolationError);
    expect(none.resolve(question, 'server')).toBeNull();
    // With default approvers (heed serve: the admins), the default policy decides.
    const withDefault = new PolicySet([TRANSFERS], ['user:admin']);
    expect(withDefault.resolve(question, 'model')?.spec.assignees).toEqual(['user:admin']);
    expect(withDefault.list().map((p) => `${p.name}:${p.fallback}`)).toEqual(['transfers:false', 'default:true']);
  });

  it('matches by tool (with a prefix), workflow and type, first match first; a changed policy has a new version', () => {
    const set = new PolicySet([
      { name: 'payments-agent', match: { workflow: 'payments', type: 'approval' }, approvers: ['user:cfo'] },
      TRANSFERS,
      { name: 'questions', match: { type: ['clarification', 'form'] }, callerAssigns: true },
    ]);
    expect(set.match(approval(), 'payments')?.name).toBe('payments-agent');
    expect(set.match(approval(), 'support')?.name).toBe('transfers');
    expect(set.match({ type: 'approval', action: { tool: 'refund', args: {} } })).toBeUndefined();
    expect(set.match({ type: 'form' })?.name).toBe('questions');
    const v1 = new PolicySet([TRANSFERS]).list()[0]?.version;
    const v2 = new PolicySet([{ ...TRANSFERS, approvers: ['group:finance', 'user:cfo'] }]).list()[0]?.version;
    expect(v1).not.toBe(v2);
  });

  it('refuses invalid policies at start, naming the policy and the field', () => {
    expect(() => new PolicySet([{ name: 'x' } as ApprovalPolicy])).toThrow(/"x".*exactly one of approvers/);
    expect(() => new PolicySet([{ name: 'x', approvers: ['nobody'] }])).toThrow(/approvers/);
    expect(() => new PolicySet([{ name: 'x', approvers: ['user:a'], deadline: { default: '2d', max: '1d' } }])).toThrow(
      /deadline.default is longer/,
    );
    expect(() => new PolicySet([TRANSFERS, TRANSFERS])).toThrow(/used twice/);
  });

  it('governs a workflow’s own ctx.ask: the policy’s approvers decide, and the audit chain records the policy', async () => {
    const { heed } = testEngine({ policies: [TRANSFERS] });
    const agent = heed.workflow('agent', (ctx) => ctx.ask(approval({ assignees: ['user:ops'], deadline: '3d' })));
    await heed.start();
    await agent.start(undefined, { id: 'a1' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task?.assignees.map((a) => a.principal)).toEqual(['group:finance']);
    expect(task?.deadline).toBe((task?.createdAt ?? 0) + 4 * 3_600_000);
    expect(task?.policy).toMatchObject({ name: 'transfers', ignored: [{ path: 'assignees' }, { path: 'deadline' }] });
    const [created] = await heed.tasks.audit(task?.id ?? '');
    expect(created?.detail).toMatchObject({ policy: { name: 'transfers', version: task?.policy?.version } });
    expect((await heed.tasks.verifyAudit(task?.id ?? '')).ok).toBe(true);
  });
});

describe('staged approvals', () => {
  const STAGED: ApprovalPolicy = {
    name: 'big-transfers',
    match: { tool: 'transfer_money' },
    stages: [
      { name: 'team lead', approvers: ['user:lead'] },
      { name: 'finance', approvers: ['group:finance'], quorum: 2 },
    ],
  };
  const groupsOf = (p: string) => (['user:fin1', 'user:fin2', 'user:lead'].includes(p) ? ['group:finance'] : []);

  it('runs the stages in order: each stage decides only in its turn, is notified when it comes, and says who decided before', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed } = testEngine({ policies: [STAGED], notifiers: [slack], groupsOf });
    const agent = heed.workflow('agent', (ctx) => ctx.ask(approval({ requester: 'user:alice' })));
    await heed.start();
    const run = await agent.start(undefined, { id: 'staged' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    const id = task?.id ?? '';
    expect(task).toMatchObject({ stage: 0, stages: [{ name: 'team lead', approvedBy: [] }, { name: 'finance' }] });
    expect(slack.log).toEqual(['created:user:lead']);

    // Finance cannot decide before the team lead.
    await expect(heed.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:fin1' })).rejects.toThrow(
      /does not decide stage 1 \("team lead"\)/,
    );
    await heed.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:lead' });
    await heed.idle();
    const second = await heed.tasks.get(id);
    expect(second).toMatchObject({ status: 'pending', stage: 1, stages: [{ approvedBy: ['user:lead'] }, {}] });
    expect(slack.log).toEqual(['created:user:lead', 'stage:group:finance']);
    // The team lead, though in finance too, has had their say.
    await expect(heed.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:lead' })).rejects.toThrow(/already/);
    await heed.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:fin1' });
    expect((await heed.tasks.get(id))?.status).toBe('pending');
    await heed.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:fin2' });
    expect(await run.result()).toMatchObject({ status: 'resolved', outcome: 'approve', by: 'user:fin2' });
    const actions = (await heed.tasks.audit(id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'stage-completed')).toHaveLength(1);
    expect((await heed.tasks.verifyAudit(id)).ok).toBe(true);
  });

  it('ends at a reject in any stage', async () => {
    const { heed } = testEngine({ policies: [STAGED], groupsOf });
    const agent = heed.workflow('agent', (ctx) => ctx.ask(approval()));
    await heed.start();
    const run = await agent.start(undefined, { id: 'staged-reject' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:lead' });
    await heed.tasks.respond(task?.id ?? '', { outcome: 'reject', comment: 'over budget' }, { principal: 'user:fin1' });
    expect(await run.result()).toMatchObject({ outcome: 'reject', by: 'user:fin1', args: null });
  });
});
