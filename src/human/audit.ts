import { auditHash, GENESIS_HASH } from '../store/audit-chain.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { AuditEntry, TaskRecord } from '../store/task-store.ts';

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
