/**
 * The part of the storage contract that keeps standing approvals (see `human/standing.ts`): an
 * approver's "approve the same action, within these bounds, until then". Rows are small and few;
 * each method is one statement. Nothing here decides whether one applies: the human layer does.
 */

/** A standing approval as stored. */
export interface StandingApprovalRecord {
  id: string;
  /** The action's tool it approves. */
  tool: string;
  /** The policy (name and version) it was granted under: it applies only under the same. */
  policyName: string;
  policyVersion: string;
  /** Whose requests it approves (the scope), or `null`: requests without a requester. */
  requester: string | null;
  /** Who granted it: the approver whose approval it stands in for. */
  approver: string;
  /** The bounds, JSON text: `{"equal": {…}, "max": {…}}` (see `human/standing.ts`). */
  bounds: string;
  /** The approval task it was granted with. */
  sourceTaskId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
}

export interface StandingApprovalQuery {
  /** Only those granted by this approver. */
  approver?: string | undefined;
  /** Only those for this tool. */
  tool?: string | undefined;
  /** Only those in force at this time (not revoked, not expired). */
  activeAt?: number | undefined;
  /** At most this many, newest first. */
  limit: number;
}

export interface StandingStore {
  /** Stores a new standing approval (its id is new). */
  insertStandingApproval(record: StandingApprovalRecord): Promise<void>;
  /** The standing approval, or `undefined`. */
  getStandingApproval(id: string): Promise<StandingApprovalRecord | undefined>;
  /** Standing approvals newest first, filtered by the query. */
  listStandingApprovals(query: StandingApprovalQuery): Promise<StandingApprovalRecord[]>;
  /**
   * Revokes it as `by` at `at` if it is not revoked yet; returns whether this call revoked it
   * (false: unknown or already revoked).
   */
  revokeStandingApproval(id: string, by: string, at: number): Promise<boolean>;
}

/** The row as both stores read it back. */
export interface StandingRow {
  id: string;
  tool: string;
  policy_name: string;
  policy_version: string;
  requester: string | null;
  approver: string;
  bounds: string;
  source_task_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

export const STANDING_COLUMNS =
  'id, tool, policy_name, policy_version, requester, approver, bounds, source_task_id, created_at, expires_at, revoked_at, revoked_by';

export function standingFromRow(row: StandingRow): StandingApprovalRecord {
  return {
    id: row.id,
    tool: row.tool,
    policyName: row.policy_name,
    policyVersion: row.policy_version,
    requester: row.requester,
    approver: row.approver,
    bounds: row.bounds,
    sourceTaskId: row.source_task_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

export function standingParams(r: StandingApprovalRecord): unknown[] {
  return [
    r.id,
    r.tool,
    r.policyName,
    r.policyVersion,
    r.requester,
    r.approver,
    r.bounds,
    r.sourceTaskId,
    r.createdAt,
    r.expiresAt,
    r.revokedAt,
    r.revokedBy,
  ];
}

/** The WHERE clause and parameters of a query; `p(n)` spells the n-th parameter (`?` or `$n`). */
export function standingWhere(
  query: StandingApprovalQuery,
  p: (n: number) => string,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (query.approver !== undefined) {
    params.push(query.approver);
    clauses.push(`approver = ${p(params.length)}`);
  }
  if (query.tool !== undefined) {
    params.push(query.tool);
    clauses.push(`tool = ${p(params.length)}`);
  }
  if (query.activeAt !== undefined) {
    params.push(query.activeAt);
    clauses.push(`revoked_at IS NULL AND expires_at > ${p(params.length)}`);
  }
  params.push(query.limit);
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  return { where: `${where} ORDER BY created_at DESC, id DESC LIMIT ${p(params.length)}`, params };
}
