-- releaseRun (src/store/writes.ts ReleaseRun), for writes about distinct runs, in one statement.
-- Fenced per write: the run becomes pending for any worker (announced). Answers true, or NULL
-- when the lease was lost.
-- p_writes: [{"i": position in the batch, "write": ReleaseRun}, ...]
CREATE OR REPLACE FUNCTION heed_release_runs(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE v_released boolean := false;
BEGIN
  FOR i, answer IN
    WITH writes AS (
      SELECT (e->>'i')::int AS i, e->'write'->'lease'->>'runId' AS run_id, (e->'write'->'lease'->>'token')::bigint AS token,
             (e->'write'->>'now')::bigint AS now
        FROM jsonb_array_elements(p_writes) e),
    released AS (
      UPDATE runs r SET status = 'pending', available_at = w.now, lease_owner = NULL, lease_expires_at = NULL,
             updated_at = w.now
        FROM writes w WHERE r.id = w.run_id AND r.lease_token = w.token AND r.status = 'running'
      RETURNING r.id)
    SELECT w.i, CASE WHEN rel.id IS NOT NULL THEN 'true'::jsonb END FROM writes w LEFT JOIN released rel ON rel.id = w.run_id
  LOOP
    v_released := v_released OR answer IS NOT NULL;
    RETURN NEXT;
  END LOOP;
  IF v_released THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
END $$;
