import type { NormalizedSpec } from './types.ts';

/** Where a staged approval stands: the stage deciding now, and who approved each stage so far. */
export interface StageProgress {
  /** Index of the stage deciding now (`stages.length` once every stage approved). */
  current: number;
  approvedBy: string[][];
}

/**
 * The progress of a staged approval, from its responses in the order they were given: approvals
 * fill the stages in turn (each stage's `quorum` of them). A pure function of the record, so every
 * process and every channel agrees on which stage decides.
 */
export function stageProgress(
  spec: Pick<NormalizedSpec, 'stages' | 'quorum'>,
  responses: readonly { principal: string; outcome: string }[],
): StageProgress {
  const stages = spec.stages ?? [];
  const approvedBy: string[][] = stages.map(() => []);
  let current = 0;
  for (const response of responses) {
    if (response.outcome !== spec.quorum.approveOutcome || current >= stages.length) continue;
    approvedBy[current]?.push(response.principal);
    if ((approvedBy[current]?.length ?? 0) >= (stages[current]?.quorum ?? 1)) current++;
  }
  return { current, approvedBy };
}
