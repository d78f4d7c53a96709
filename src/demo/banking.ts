import { generateText, type LanguageModel, type ModelMessage, Output } from 'ai';
import { z } from 'zod';
import { type AgentTurn, runAgent, titled } from '../agent/agent.ts';
import type { AgentTool, ApprovalPolicy, ChatTurnInput } from '../agent/types.ts';
import type { Heed } from '../human/heed.ts';
import { policyFor } from './approvers.ts';

/** The demo bank: balances by account (in memory; a real bank is an external system). */
export class Bank {
  readonly #balances = new Map<string, number>([['you', 1000]]);
  readonly #applied = new Set<string>();

  balance(account = 'you'): number {
    return this.#balances.get(account) ?? 0;
  }

  /** Applies a movement once per idempotency key (as a payment API would). */
  apply(key: string, change: () => void): void {
    if (this.#applied.has(key)) return;
    this.#applied.add(key);
    change();
  }

  move(from: string, to: string, amount: number): void {
    if (this.balance(from) < amount) throw new Error(`insufficient funds: the balance is $${this.balance(from)}`);
    this.#balances.set(from, this.balance(from) - amount);
    this.#balances.set(to, this.balance(to) + amount);
  }

  deposit(amount: number): void {
    this.#balances.set('you', this.balance() + amount);
  }
}

/** The banking tools. Transfers over $100 need a person's approval (a deterministic rule). */
export function bankingTools(bank: Bank) {
  const transferArgs = z.object({ to: z.string().min(1), amount: z.number().positive() });
  return {
    check_balance: {
      description: 'Check the balance of your account',
      label: 'Check the balance',
      input: z.object({}),
      execute: () => ({ balance: bank.balance(), message: `Your balance is $${bank.balance()}.` }),
    } satisfies AgentTool<Record<string, never>>,
    deposit: {
      description: 'Deposit money into your account',
      label: 'Deposit money',
      input: z.object({ amount: z.number().positive() }),
      execute: (args: { amount: number }, { idempotencyKey }: { idempotencyKey: string }) => {
        bank.apply(idempotencyKey, () => bank.deposit(args.amount));
        return { balance: bank.balance(), message: `Deposited $${args.amount}. Your balance is $${bank.balance()}.` };
      },
    } satisfies AgentTool<{ amount: number }>,
    transfer: {
      description: 'Transfer money from your account to someone',
      label: 'Transfer money',
      input: transferArgs,
      approval: (args: z.infer<typeof transferArgs>) => args.amount > 100,
      title: (args: z.infer<typeof transferArgs>) => `Transfer $${args.amount} to ${args.to}?`,
      execute: (args: z.infer<typeof transferArgs>, { idempotencyKey }: { idempotencyKey: string }) => {
        bank.apply(idempotencyKey, () => bank.move('you', args.to, args.amount));
        return {
          transferred: args.amount,
          to: args.to,
          balance: bank.balance(),
          message: `Transferred $${args.amount} to ${args.to}. Your balance is $${bank.balance()}.`,
        };
      },
    } satisfies AgentTool<z.infer<typeof transferArgs>>,
  };
}

/** The router style's action plan. The approval rule is in the schema: transfers over $100 need it. */
export const ActionPlan = z.object({
  actions: z.array(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('check_balance') }),
      z.object({ type: z.literal('deposit'), amount: z.number().positive() }),
      z
        .object({
          type: z.literal('transfer'),
          to: z.string().min(1),
          amount: z.number().positive(),
          needsApproval: z.boolean().optional(),
        })
        .transform((t) => ({ ...t, needsApproval: t.amount > 100 })),
    ]),
  ),
});

export interface BankingOutput {
  reply: string;
  actions: AgentTurn['actions'];
  /** The whole conversation after this turn (what the next chat turn continues from). */
  messages?: ModelMessage[];
}

/**
 * Registers the banking agent in its two styles: `banking` (the model calls tools in a loop;
 * the approval rule is on the tool) and `banking-router` (the model returns an action plan
 * validated by a zod schema that sets `needsApproval`; code runs each action). Input `{message}`.
 */
export function registerBanking(
  heed: Heed,
  model: LanguageModel,
  options: { bank?: Bank; approvals?: ApprovalPolicy } = {},
): Bank {
  const bank = options.bank ?? new Bank();
  const tools = bankingTools(bank);
  const approvals = options.approvals ?? {};
  const system = 'You are a banking assistant. Use the tools to check balances, deposit and transfer money.';

  heed.workflow('banking', async (ctx, input: ChatTurnInput): Promise<BankingOutput> => {
    const turn = await runAgent(
      ctx,
      {
        model,
        system,
        tools,
        // In a chat, the person chatting asked: they may not approve their own transfer, so the
        // approvers are the others (someone else is always asked).
        approvals: policyFor(approvals, input.user ?? ctx.initiator),
        contactHuman: false,
      },
      [...(input.messages ?? []), { role: 'user', content: input.message }],
    );
    await ctx.setStatus('thread', turn.messages);
    return { reply: turn.text, actions: turn.actions, messages: turn.messages };
  });

  heed.workflow('banking-router', async (ctx, input: { message: string }): Promise<BankingOutput> => {
    await ctx.setStatus('agent', { status: 'working' });
    const policy = policyFor(approvals, ctx.initiator);
    const plan = await ctx.step('plan', async () => {
      const result = await generateText({
        model,
        system,
        prompt: input.message,
        output: Output.object({ schema: ActionPlan }),
      });
      return ActionPlan.parse(result.output);
    });
    const actions: AgentTurn['actions'] = [];
    const replies: string[] = [];
    for (const [i, action] of plan.actions.entries()) {
      const key = `${ctx.runId}:action:${i}`;
      if (action.type === 'transfer' && action.needsApproval) {
        await ctx.setStatus('agent', { status: 'pending_approval', action });
        const decision = await ctx.ask({
          type: 'approval',
          ...titled(`Transfer $${action.amount} to ${action.to}?`),
          action: { tool: 'transfer', args: { to: action.to, amount: action.amount }, schema: tools.transfer.input },
          allowEdit: true,
          ...(policy.assignees ? { assignees: policy.assignees } : {}),
          ...(policy.requester ? { requester: policy.requester } : {}),
          ...(policy.remind ? { remind: policy.remind } : {}),
          ...(policy.escalate ? { escalate: policy.escalate } : {}),
          ...(policy.deadline ? { deadline: policy.deadline } : {}),
        });
        if (decision.outcome !== 'approve') {
          await ctx.setStatus('agent', { status: 'denied' });
          const reason = decision.comment ?? (decision.status === 'resolved' ? 'rejected' : decision.status);
          replies.push(
            `I did not transfer $${action.amount} to ${action.to}: ${reason.trim().replace(/[.!?]+$/, '')}.`,
          );
          actions.push({ tool: 'transfer', args: action, outcome: 'rejected', result: { reason } });
          continue;
        }
        const edited = tools.transfer.input.safeParse(decision.args ?? { to: action.to, amount: action.amount });
        if (!edited.success) {
          replies.push(`I did not transfer: the edited arguments are invalid (${edited.error.message}).`);
          actions.push({
            tool: 'transfer',
            args: decision.args,
            outcome: 'rejected',
            result: { reason: 'invalid edit' },
          });
          continue;
        }
        const args = edited.data;
        const done = await ctx.step(`transfer:${i}`, () => tools.transfer.execute(args, { idempotencyKey: key }));
        replies.push(done.message);
        actions.push({ tool: 'transfer', args, outcome: 'done', result: done });
        continue;
      }
      const done = await ctx.step(`${action.type}:${i}`, () =>
        action.type === 'check_balance'
          ? tools.check_balance.execute()
          : action.type === 'deposit'
            ? tools.deposit.execute({ amount: action.amount }, { idempotencyKey: key })
            : tools.transfer.execute({ to: action.to, amount: action.amount }, { idempotencyKey: key }),
      );
      replies.push(done.message);
      actions.push({ tool: action.type, args: action, outcome: 'done', result: done });
    }
    const reply = replies.join(' ') || 'There was nothing to do.';
    await ctx.setStatus('output', reply);
    await ctx.setStatus('agent', { status: 'done' });
    return { reply, actions };
  });
  return bank;
}
