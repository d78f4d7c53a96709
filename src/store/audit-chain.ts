import { canonicalHash } from './canonical.ts';

/** The `prevHash` of a task's first audit entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an audit entry's hash covers. */
export interface ChainedFields {
  taskId: string;
  seq: number;
  at: number;
  actor: string;
  via: string;
  action: string;
  outcome: string | null;
  shownHash: string | null;
  detail: unknown;
}

/**
 * SHA-256 over the previous entry's hash and this entry's fields (canonical JSON): editing any
 * field of any entry, or removing or reordering entries, breaks every hash after it.
 */
export function auditHash(prevHash: string, fields: ChainedFields): string {
  return canonicalHash({ prevHash, ...fields, detail: fields.detail ?? null });
}
