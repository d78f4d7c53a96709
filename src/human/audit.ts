import { auditHash, GENESIS_HASH } from '../store/audit-chain.ts';
import type { AuditEntry, TaskRecord } from '../store/task-store.ts';

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** What is wrong, entry by entry; empty when the chain is intact. */
  problems: string[];
}

/**
 * Checks a task's audit chain: every entry's hash covers its fields and the previous hash,
 * positions are contiguous, and the last hash and count match those kept on the task row, so an
 * edited, inserted, reordered or deleted entry (including the last) is detected.
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
  return { ok: problems.length === 0, entries: entries.length, problems };
}
