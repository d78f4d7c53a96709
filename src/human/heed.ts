import type { z } from 'zod';
import { Engine, type EngineOptions } from '../engine/engine.ts';
import { type HumanTaskOptions, HumanTasks } from './tasks.ts';
import type { DefaultOutcome, SchemaInput, TaskResult, TaskSpec, TaskType } from './types.ts';

/** The type of form data a spec's `form` describes. */
export type FormData<F> = F extends z.ZodType ? z.output<F> : unknown;

/** `ctx.ask`: the result is typed by the spec (outcome union, form data from the zod schema). */
export type Ask = <
  const T extends TaskType,
  const O extends string = DefaultOutcome<T>,
  F extends SchemaInput | undefined = undefined,
>(
  spec: TaskSpec<T, O, F>,
) => Promise<TaskResult<O, FormData<F>>>;

declare module '../engine/context.ts' {
  interface WorkflowContext {
    /**
     * Asks a person and waits durably for the answer (see `HumanTasks.ask`): the run is suspended
     * while the task is pending, and resumes with the result when someone answers or a deadline
     * decides. Created once, even across replays and crashes.
     * @throws InvalidTaskError, PayloadTooLargeError for a bad spec (nothing is created).
     */
    ask: Ask;
  }
}

export interface HeedOptions extends EngineOptions, HumanTaskOptions {}

/**
 * Heed: the durable engine with human tasks. `heed.tasks` creates, lists, answers and audits
 * tasks; workflows ask with `ctx.ask(spec)`.
 */
export class Heed extends Engine {
  readonly tasks: HumanTasks;

  constructor(options: HeedOptions) {
    super(options);
    this.tasks = new HumanTasks(this, options);
    this.extendContext('ask', (ctx) => (spec: TaskSpec) => this.tasks.ask(ctx, spec));
  }
}
