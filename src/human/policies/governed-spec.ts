import { normalizeSpec, type SpecLimits } from '../spec.ts';
import type { NormalizedSpec, TaskSpec } from '../types.ts';
import type { PolicySet, RequestTrust } from './policy-set.ts';

/**
 * Validates a request and puts it under the policy that governs it: the stored spec carries the
 * policy (name, version, what it overrode) and, for a staged policy, its stages.
 * @throws PolicyViolationError (see `PolicySet.resolve`), InvalidTaskError, PayloadTooLargeError.
 *   Nothing is stored.
 */
export function governedSpec(
  request: TaskSpec,
  policies: PolicySet,
  origin: { trust: RequestTrust; workflow?: string | undefined },
  limits: SpecLimits,
): NormalizedSpec {
  // Invalid input is refused as such, before a policy could replace the field that is wrong.
  const asked = normalizeSpec(request, limits);
  const outcome = policies.resolve(request, origin.trust, origin.workflow);
  if (!outcome) return asked;
  const normalized = normalizeSpec(outcome.spec, limits);
  normalized.policy = outcome.applied;
  if (outcome.applied.businessHours) normalized.businessHours = true;
  if (outcome.stages) {
    normalized.stages = outcome.stages;
    // Every stage's approvals count toward the end; a reject at any stage ends the task.
    normalized.quorum = {
      ...normalized.quorum,
      approvals: outcome.stages.reduce((n, s) => n + s.quorum, 0),
      rejectEnds: true,
    };
  }
  return normalized;
}
