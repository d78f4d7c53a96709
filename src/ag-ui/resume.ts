import type { ResumeEntry } from '@ag-ui/core';
import type { Authorization, Caller } from '../authorization/authorization.ts';
import { type Chats, REFUSALS, refusalMessage } from '../chat/chats.ts';
import type { TurnRecord } from '../chat/thread.ts';
import { AlreadyRespondedError, HeedError, TaskAlreadyResolvedError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import type { ResponseInput, Task } from '../human/types.ts';
import { InterruptExpiredError, InterruptPendingError, InvalidResumeError, UnknownInterruptError } from './errors.ts';
import { responseOf } from './interrupts.ts';

/** What a resume came to. */
export type ResumeOutcome =
  /** Every entry answered (or already decided elsewhere): the turn goes on after `afterTask`. */
  | { kind: 'answered'; turn: TurnRecord; afterTask: string }
  /** The caller may not answer (or cancel) `task`: nothing was written, the turn still waits. */
  | { kind: 'refused'; turn: TurnRecord; task: Task; message: string };

/** What answering a resume needs. */
export interface ResumeDesk {
  heed: Heed;
  chats: Chats;
  authorization: Authorization;
  names?: ((principal: string) => string | undefined) | undefined;
}

type Planned = { entry: ResumeEntry; task: Task; input: ResponseInput | 'cancel' };

/**
 * Answers a thread's interrupts from an AG-UI `resume` (AG-UI 1.0 "Interrupts"), as `caller`:
 * every entry must name a task of one turn of the thread; while any of them is still pending, the
 * entries must cover every open task of that turn (rule 3). `resolved` answers the task through
 * `Authorization.answer` (via `ag-ui`: a person, an assignee, four-eyes; edited arguments are
 * validated as the task's edit rules say); `cancelled` cancels it (its requester or an admin).
 * Everything is checked before anything is written: a caller who may not answer one task gets
 * `refused` and nothing changes. A task already decided elsewhere (another person, another
 * channel) is not answered again: the turn continues with that decision (a replayed resume is
 * safe, rule 5), except that `resolved` after a deadline decided it is an error (rule 7).
 * @throws InvalidResumeError, UnknownInterruptError, InterruptPendingError, InterruptExpiredError;
 *   the human layer's InvalidResponseError (e.g. invalid edited arguments) when an answer is refused
 *   as written, in which case the entries before it may have been answered.
 */
export async function applyResume(
  desk: ResumeDesk,
  caller: Caller,
  threadId: string,
  entries: readonly ResumeEntry[],
): Promise<ResumeOutcome> {
  const { heed, chats, authorization } = desk;
  const ids = entries.map((e) => e.interruptId);
  if (new Set(ids).size !== ids.length) throw new InvalidResumeError('The resume answers an interrupt twice');
  const turns = await chats.turns(threadId);
  const tasks: Task[] = [];
  for (const id of ids) {
    const task = await heed.tasks.get(id);
    if (!task || !turns.some((t) => t.runId === task.runId)) throw new UnknownInterruptError(id);
    tasks.push(task);
  }
  const runIds = new Set(tasks.map((t) => t.runId));
  if (runIds.size > 1) throw new InvalidResumeError('The resume answers interrupts of different turns');
  const turn = turns.find((t) => runIds.has(t.runId)) as TurnRecord;

  const pending = tasks.filter((t) => t.status === 'pending');
  if (pending.length > 0) {
    // Rule 3: all of the turn's open interrupts at once. (When everything the client knew of was
    // decided elsewhere, it is only catching up: the turn may have asked something new since.)
    const open = (await heed.tasks.list({ status: 'pending', askedBy: turn.runId, limit: 100 })).items;
    const missing = open.filter((t) => !ids.includes(t.id)).map((t) => t.id);
    if (missing.length > 0) {
      throw new InterruptPendingError(
        `The resume must answer every open interrupt at once; missing: ${missing.join(', ')}`,
      );
    }
  }

  const planned: Planned[] = [];
  for (const [i, entry] of entries.entries()) {
    const task = tasks[i] as Task;
    if (entry.status === 'resolved' && task.status !== 'pending' && task.result?.via === 'timeout') {
      throw new InterruptExpiredError(task.id, new Date(task.result.at).toISOString());
    }
    if (task.status !== 'pending') continue;
    if (entry.status === 'cancelled') {
      if (entry.payload !== undefined) throw new InvalidResumeError('A cancelled resume entry carries no payload');
      planned.push({ entry, task, input: 'cancel' });
      continue;
    }
    if (task.deadline !== null && heed.clock.now() >= task.deadline) {
      throw new InterruptExpiredError(task.id, new Date(task.deadline).toISOString());
    }
    planned.push({ entry, task, input: responseOf(task, entry.payload) });
  }

  // Who may: decided as the writes will decide again, before any of them.
  for (const { task, input } of planned) {
    const refusal = refusalOf(desk, caller, task, input);
    if (refusal) return { kind: 'refused', turn, task, message: refusal };
  }
  for (const { task, input } of planned) {
    try {
      if (input === 'cancel') {
        await heed.tasks.cancel(task.id, { principal: caller.principal, reason: 'Cancelled in the AG-UI client' });
      } else {
        await authorization.answer(heed.tasks, caller, task.id, input, 'ag-ui');
      }
    } catch (error) {
      if (error instanceof TaskAlreadyResolvedError || error instanceof AlreadyRespondedError) continue;
      if (error instanceof HeedError && REFUSALS.has(error.code)) {
        return { kind: 'refused', turn, task, message: refusalMessage(task, caller.principal, desk.names) };
      }
      throw error;
    }
  }
  const first = [...tasks].sort((a, b) => a.createdAt - b.createdAt)[0] as Task;
  return { kind: 'answered', turn, afterTask: first.id };
}

/** Why `caller` may not answer (or cancel) `task`, in words; `undefined` when it may. */
function refusalOf(desk: ResumeDesk, caller: Caller, task: Task, input: ResponseInput | 'cancel'): string | undefined {
  try {
    if (input === 'cancel') desk.authorization.requireCancelTask(caller, task, task.id);
    else desk.authorization.requireAnswer(caller, task, task.id);
    if (input !== 'cancel' && caller.principal === 'system') throw new HeedError('INVALID_PRINCIPAL', 'system');
    return undefined;
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    if (input === 'cancel' && error.code === 'FORBIDDEN') {
      return `Only who asked (or an admin) may cancel "${task.title}". ${refusalMessage(task, caller.principal, desk.names)}`;
    }
    if (REFUSALS.has(error.code) || error.code === 'FORBIDDEN') {
      return refusalMessage(task, caller.principal, desk.names);
    }
    throw error;
  }
}
