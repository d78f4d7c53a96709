import type { ApprovalPolicy } from '../agent/types.ts';

/** Who the demo agents ask to approve transfers over $100 and refunds, unless configured: two people, so that whoever asks, someone else decides. */
export const DEFAULT_DEMO_APPROVERS = ['user:ops', 'user:alice'] as const;

/** Asked when every configured approver is the person who asked (the demo always has someone else). */
const BACKUPS = ['user:alice', 'user:ops', 'user:bob'] as const;

/**
 * How long a demo approval waits, and what silence means: a reminder after 2 minutes, and at the
 * deadline (1 hour) the request is rejected (fail closed): nothing in the demo waits forever.
 */
export const DEMO_APPROVAL_TIMING = { remind: { after: '2m' }, deadline: '1h' } as const satisfies Pick<
  ApprovalPolicy,
  'remind' | 'deadline'
>;

/**
 * The approvers of a request other than the person it is for or from (`excluded`: the requester,
 * a refund's beneficiary): four-eyes means they may not decide it, so asking them alone would
 * leave nobody who can. When no configured approver is left, a backup person is asked instead.
 * Groups are kept as they are (a group's other members may decide).
 * @param approvers the configured approvers (principals or groups)
 * @param excluded who may not decide this request
 * @returns at least one principal, never one in `excluded`
 */
export function approversOtherThan(
  approvers: readonly string[],
  excluded: readonly (string | null | undefined)[],
): string[] {
  const out = new Set(excluded.filter((p): p is string => typeof p === 'string'));
  const others = approvers.filter((a) => !out.has(a));
  if (others.length > 0) return [...new Set(others)];
  return [BACKUPS.find((b) => !out.has(b)) ?? 'user:ops'];
}

/**
 * An agent's approval policy for a request `requester` makes: the same policy, with the
 * requester named and removed from its approvers (see {@link approversOtherThan}). A policy
 * without approvers is returned as it is (anyone but the requester decides).
 */
export function policyFor(policy: ApprovalPolicy, requester: string | null | undefined): ApprovalPolicy {
  const named = policy.approvers ?? policy.assignees;
  const who = policy.requester ?? requester ?? undefined;
  const withRequester = who ? { ...policy, requester: who } : policy;
  if (!named || named.length === 0) return withRequester;
  const { approvers: _a, assignees: _b, ...rest } = withRequester;
  return { ...rest, assignees: approversOtherThan(named, [who]) };
}
