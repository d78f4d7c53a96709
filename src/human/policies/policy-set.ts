import { PolicyViolationError } from '../../errors.ts';
import type { TaskSpec } from '../types.ts';
import { applyPolicy, type PolicyOutcome } from './apply.ts';
import { type ApprovalPolicy, type Policy, parsePolicies, policyMatches } from './policy.ts';

/**
 * Where a task's request comes from, which decides what happens when it is looser than its
 * policy and when no policy governs it:
 * - `server`: the server's own code (`ctx.ask` in a workflow, the agent loop, the adapters, an
 *   admin over HTTP). A policy that governs the task overrides the looser fields (recorded on the
 *   task); with none, the request stands as the code wrote it.
 * - `model`: a tool a model calls (MCP `request_approval`/`ask_human`): looser fields are
 *   replaced by the policy's and the tool result says so.
 * - `caller`: an HTTP caller that is not an admin: a looser request is refused (422).
 * For `model` and `caller`, a task no policy governs is refused: fail closed.
 */
export type RequestTrust = 'server' | 'model' | 'caller';

/** What the `default` policy may fix besides its approvers. */
export type DefaultPolicyRules = Pick<
  ApprovalPolicy,
  'deadline' | 'onTimeout' | 'remind' | 'escalate' | 'businessHours'
>;

/**
 * The approval policies in force, first match wins. Read-only once made; every process that
 * creates tasks must be given the same policies (as with channels).
 */
export class PolicySet {
  readonly #policies: Policy[];
  readonly #fallback: Policy | undefined;

  /**
   * @param policies as configured (see {@link ApprovalPolicy}); order matters: the first whose
   *   `match` holds governs a task.
   * @param defaultApprovers who decides a `model` or `caller` request that no policy governs
   *   (`heed serve`: the admins); none: such requests are refused.
   * @param defaultRules what that default policy fixes besides (a deadline, what silence decides).
   * @throws InvalidArgumentError for an invalid policy.
   */
  constructor(
    policies: readonly ApprovalPolicy[] = [],
    defaultApprovers: readonly string[] = [],
    defaultRules: DefaultPolicyRules = {},
  ) {
    this.#policies = parsePolicies(policies);
    const fallback =
      defaultApprovers.length > 0 ? [{ ...defaultRules, name: 'default', approvers: [...defaultApprovers] }] : [];
    this.#fallback = parsePolicies(fallback)[0];
  }

  /**
   * The policies, in order, with their versions (`GET /v1/policies`); last, the default that
   * governs agents' and HTTP callers' requests no policy matches (`fallback: true`), if any.
   */
  list(): { name: string; version: string; fallback: boolean; policy: ApprovalPolicy }[] {
    const all = this.#fallback ? [...this.#policies, this.#fallback] : this.#policies;
    return all.map((p) => ({ name: p.name, version: p.version, fallback: p === this.#fallback, policy: p.source }));
  }

  /** The policy named `name` (as a task's `policy.name` records it), if it is still in force. */
  named(name: string): Policy | undefined {
    return [...this.#policies, ...(this.#fallback ? [this.#fallback] : [])].find((p) => p.name === name);
  }

  /** The policy that governs a task, if any. */
  match(request: Pick<TaskSpec, 'type' | 'action'>, workflow?: string): Policy | undefined {
    const subject = { type: request.type, tool: request.action?.tool, workflow };
    return this.#policies.find((p) => policyMatches(p, subject));
  }

  /**
   * The request as its policy leaves it. `null` when no policy governs a `server` request (it
   * stands as written).
   * @throws PolicyViolationError when a `caller` request is looser than its policy, when a
   *   `model` or `caller` request has no policy, or when a policy that lets callers assign gets
   *   no assignees. Nothing is created.
   */
  resolve(request: TaskSpec, trust: RequestTrust, workflow?: string): PolicyOutcome | null {
    const policy = this.match(request, workflow) ?? (trust === 'server' ? undefined : this.#fallback);
    if (!policy) {
      if (trust === 'server') return null;
      throw new PolicyViolationError(null, [
        {
          path: 'policies',
          message:
            `No approval policy governs this ${request.type}${request.action ? ` of "${request.action.tool}"` : ''}, ` +
            'so nobody the server trusts would decide it: configure a policy (the `policies` setting) that names its approvers',
        },
      ]);
    }
    return applyPolicy(request, policy, trust === 'caller' ? 'refuse' : 'apply', trust === 'server');
  }
}
