/**
 * The side-effect log the fixture worker writes: one JSON object a line in `effects.jsonl`.
 * It is written outside the engine, synchronously, so it shows every time a step body ran, even in
 * a process that was killed afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `begin`: a step body started. `effect`: it did its work and is about to return. */
export type EffectKind = 'begin' | 'effect';

export interface EffectLine {
  kind: EffectKind;
  runId: string;
  step: string;
  /** `step.idempotencyKey` as the body received it. */
  key: string;
  attempt: number;
  /** The worker process that ran the body. */
  pid: number;
  /** For `effect`: the value the body returned (or charged). */
  data?: unknown;
}

/** Every line of the side-effect log in `workDir`, oldest first (empty if nothing ran). */
export function readEffects(workDir: string): EffectLine[] {
  const path = join(workDir, 'effects.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as EffectLine);
}

/** The lines of one step of one run, optionally of one kind. */
export function effectsOf(
  effects: readonly EffectLine[],
  runId: string,
  step: string,
  kind?: EffectKind,
): EffectLine[] {
  return effects.filter((e) => e.runId === runId && e.step === step && (kind === undefined || e.kind === kind));
}
