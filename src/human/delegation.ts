/**
 * Who is asked once absences are taken into account: each person asked who is away is replaced
 * by the end of their chain of delegates (see `away.ts`), except where that person asked for the
 * task and may not decide it (four-eyes): then the task stays with the person it was for, and the
 * audit says why. Used when a task is created, escalated and reassigned, and when someone's
 * pending tasks move because their absence starts.
 */
import type { AssigneeFor } from '../store/task-store.ts';
import type { AuditInput } from './audit.ts';
import type { Away, Delegation } from './away.ts';
import { requesterMayAnswer } from './responses.ts';

/** What is asked of whom: the task's type, requester and self-approval rule. */
export interface DelegationSubject {
  type: string;
  requester: string | null;
  selfApproval?: 'allowed' | 'forbidden' | undefined;
}

export interface Delegated {
  /** The principals asked, each away person replaced by their delegate; no duplicates, in order. */
  principals: string[];
  /** Whom each delegate stands in for (only delegates not asked in their own right). */
  assigneesFor: Record<string, AssigneeFor>;
  /** The delegations made, by the person they were for. */
  moved: Map<string, Delegation>;
  /** `delegated` {from, to, until, chain} and `not-delegated` {from, to, until, reason} entries. */
  audit: AuditInput[];
}

/**
 * Replaces the away people among `principals` by their delegates as of `now`.
 * @throws the store's error
 */
export async function delegateAll(
  principals: readonly string[],
  now: number,
  away: Away,
  subject: DelegationSubject,
): Promise<Delegated> {
  const moved = new Map<string, Delegation>();
  const audit: AuditInput[] = [];
  for (const principal of new Set(principals)) {
    const delegation = await away.delegationOf(principal, now);
    if (!delegation) continue;
    const { from, to, until, chain } = delegation;
    if (to === subject.requester && !requesterMayAnswer(subject)) {
      const reason = `${to} asked for this ${subject.type} and may not decide it (four-eyes)`;
      audit.push({ actor: 'system', via: 'away', action: 'not-delegated', detail: { from, to, until, reason } });
      continue;
    }
    moved.set(principal, delegation);
    audit.push({ actor: 'system', via: 'away', action: 'delegated', detail: { from, to, until, chain } });
  }
  const result = [...new Set(principals.map((p) => moved.get(p)?.to ?? p))];
  const assigneesFor: Record<string, AssigneeFor> = {};
  for (const [from, { to, until }] of moved) {
    if (!principals.includes(to) && !(to in assigneesFor)) assigneesFor[to] = { principal: from, until };
  }
  return { principals: result, assigneesFor, moved, audit };
}
