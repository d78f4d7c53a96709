import { canonicalHash } from '../store/canonical.ts';
import type { AuditEntry, TaskRecord } from '../store/task-store.ts';

/** The `prevHash` of a task's first audit entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an audit entry's hash covers. */
export type ChainedFields = Omit<AuditEntry, 'prevHash' | 'hash'>;

/** What a decision appends to a task's audit log; {@link chainAudit} numbers, timestamps and chains it. */
export interface AuditInput {
  actor: string;
  via: string;
  action: string;
  outcome?: string | null;
  /** SHA-256 of what the actor was shown. */
  shownHash?: string | null;
  detail?: unknown;
}

/**
 * SHA-256 over the previous entry's hash and this entry's fields (canonical JSON): editing any
 * field of any entry, or removing or reordering entries, breaks every hash after it. The format
 * is fixed: chains written by earlier versions verify with it.
 */
export function auditHash(prevHash: string, fields: ChainedFields): string {
  return canonicalHash({ prevHash, ...fields, detail: fields.detail ?? null });
}

/**
 * Turns `inputs` into the entries that continue `task`'s chain as it was read (positions from
 * `auditCount + 1`, each hash over the previous one, starting at `auditHead`), all at `now`.
 * Written by compare-and-set on the version read, so a chain never forks.
 */
export function chainAudit(
  task: Pick<TaskRecord, 'id' | 'auditCount' | 'auditHead'>,
  inputs: readonly AuditInput[],
  now: number,
): AuditEntry[] {
  let prevHash = task.auditHead ?? GENESIS_HASH;
  return inputs.map((input, i) => {
    const fields: ChainedFields = {
      taskId: task.id,
      seq: task.auditCount + i + 1,
      at: now,
      actor: input.actor,
      via: input.via,
      action: input.action,
      outcome: input.outcome ?? null,
      shownHash: input.shownHash ?? null,
      detail: input.detail ?? null,
    };
    const entry = { ...fields, prevHash, hash: auditHash(prevHash, fields) };
    prevHash = entry.hash;
    return entry;
  });
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** What is wrong, entry by entry; empty when the chain is intact. */
  problems: string[];
}

/**
 * Checks a task's audit chain: every entry's hash covers its fields and the previous hash,
 * positions are contiguous, the last hash and count match those kept on the task row, and the
 * task's result is the one its deciding entry recorded, so an edited, inserted, reordered or
 * deleted entry (including the last), or an edited result, is detected.
 */
export function verifyChain(task: TaskRecord, entries: readonly AuditEntry[]): AuditVerification {
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  entries.forEach((entry, i) => {
    if (entry.seq !== i + 1)
      problems.push(`entry ${i + 1}: found position ${entry.seq} (an entry is missing or moved)`);
    if (entry.prevHash !== prev) problems.push(`entry ${entry.seq}: does not follow the previous entry`);
    const { prevHash: _p, hash: _h, ...fields } = entry;
    if (auditHash(entry.prevHash, fields) !== entry.hash) problems.push(`entry ${entry.seq}: its content was changed`);
    prev = entry.hash;
  });
  if (entries.length !== task.auditCount) {
    problems.push(`the task recorded ${task.auditCount} entries but ${entries.length} remain`);
  }
  if ((task.auditHead ?? GENESIS_HASH) !== prev) problems.push('the last entry is not the one the task recorded');
  if (task.result !== null) {
    // The result (who decided, the approved args) must be the one the audit log vouched for.
    const vouched = [...entries]
      .reverse()
      .find((e) => typeof (e.detail as { resultHash?: unknown })?.resultHash === 'string');
    const hash = canonicalHash(JSON.parse(task.result));
    if (!vouched) problems.push('the task has a result that no audit entry records');
    else if ((vouched.detail as { resultHash: string }).resultHash !== hash) {
      problems.push(`the task's result differs from the one recorded at entry ${vouched.seq}`);
    }
  }
  return { ok: problems.length === 0, entries: entries.length, problems };
}
