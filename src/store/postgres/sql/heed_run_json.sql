-- A run row as JSON, with the columns of RunRow (src/store/rows.ts), which maps it like any row.
CREATE OR REPLACE FUNCTION heed_run_json(r runs) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'workflow', r.workflow, 'status', r.status, 'input', r.input, 'output', r.output,
    'error', r.error, 'failed_seq', r.failed_seq, 'parent_id', r.parent_id, 'initiator', r.initiator,
    'attempts', r.attempts, 'recoveries', r.recoveries, 'lease_token', r.lease_token,
    'created_at', r.created_at, 'updated_at', r.updated_at)
$$;
