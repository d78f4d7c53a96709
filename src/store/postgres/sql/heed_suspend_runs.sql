-- suspendRun (src/store/writes.ts SuspendRun), for writes about distinct runs, in one statement.
-- Fenced per write. A run something woke while it ran (wake_requested) becomes pending again and
-- is announced; the others wait. Answers the new status, or NULL when the lease was lost.
-- p_writes: [{"i": position in the batch, "write": SuspendRun}, ...]
CREATE OR REPLACE FUNCTION heed_suspend_runs(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE v_pending boolean := false;
BEGIN
  FOR i, answer IN
    WITH writes AS (
      SELECT (e->>'i')::int AS i, e->'write'->'lease'->>'runId' AS run_id, (e->'write'->'lease'->>'token')::bigint AS token,
             (e->'write'->>'now')::bigint AS now
        FROM jsonb_array_elements(p_writes) e),
    suspended AS (
      UPDATE runs r SET status = CASE WHEN r.wake_requested THEN 'pending' ELSE 'waiting' END,
             available_at = w.now, wake_requested = false, lease_owner = NULL, lease_expires_at = NULL, updated_at = w.now
        FROM writes w WHERE r.id = w.run_id AND r.lease_token = w.token AND r.status = 'running'
      RETURNING r.id, r.status)
    SELECT w.i, to_jsonb(s.status) FROM writes w LEFT JOIN suspended s ON s.id = w.run_id
  LOOP
    v_pending := v_pending OR answer = '"pending"';
    RETURN NEXT;
  END LOOP;
  IF v_pending THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
END $$;
