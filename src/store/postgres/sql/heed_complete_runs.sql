-- completeRun (src/store/writes.ts CompleteRun), for writes about distinct runs, in one
-- statement. Fenced per write: the run ends succeeded (completion has "output") or failed (its
-- "error" and "failedSeq"), with its run.succeeded/run.failed event written as runEndEvent
-- (src/store/run-end-event.ts) writes it and announced on the feed; its waits are removed, and the
-- parents waiting on it are woken (rare next to plain completions: one ended child at a time,
-- parents locked after it). Answers true, or NULL when the lease was lost.
-- p_writes: [{"i": position in the batch, "write": CompleteRun}, ...]
CREATE OR REPLACE FUNCTION heed_complete_runs(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_ended text[];
  v_child record;
BEGIN
  WITH writes AS (
    SELECT (e->>'i')::int AS i, e->'write'->'lease'->>'runId' AS run_id, (e->'write'->'lease'->>'token')::bigint AS token,
           e->'write'->'completion' AS c, (e->'write'->>'now')::bigint AS now
      FROM jsonb_array_elements(p_writes) e),
  ended AS (
    UPDATE runs r SET status = CASE WHEN w.c ? 'output' THEN 'succeeded' ELSE 'failed' END,
           output = w.c->>'output', error = w.c->>'error', failed_seq = (w.c->>'failedSeq')::int,
           lease_owner = NULL, lease_expires_at = NULL, wake_requested = false, updated_at = w.now
      FROM writes w WHERE r.id = w.run_id AND r.lease_token = w.token AND r.status = 'running'
    RETURNING r.id, r.status, r.output, r.error, w.i, w.now),
  events AS (
    INSERT INTO run_events (run_id, type, data, created_at)
    SELECT e.id, 'run.' || e.status,
           CASE WHEN e.status = 'succeeded' THEN '{"output":' || COALESCE(e.output, 'null') || '}'
                ELSE '{"error":' || e.error || '}' END,
           e.now
      FROM ended e ORDER BY e.i)
  SELECT array_agg(ended.id ORDER BY ended.i) INTO v_ended FROM ended;
  IF v_ended IS NOT NULL THEN
    PERFORM pg_notify('heed_feed_' || current_schema(), 'r:' || d) FROM unnest(v_ended) d;
    DELETE FROM waits w WHERE w.run_id = ANY(v_ended);
    FOR v_child IN
      SELECT e->'write'->'lease'->>'runId' AS id, (e->'write'->>'now')::bigint AS now
        FROM jsonb_array_elements(p_writes) e
       WHERE e->'write'->'lease'->>'runId' = ANY(v_ended)
         AND EXISTS (SELECT 1 FROM waits w WHERE w.kind = 'child' AND w.child_id = e->'write'->'lease'->>'runId')
    LOOP
      PERFORM heed_fire_child_waits(v_child.id, v_child.now);
    END LOOP;
  END IF;
  RETURN QUERY
    SELECT (e->>'i')::int, CASE WHEN e->'write'->'lease'->>'runId' = ANY(COALESCE(v_ended, '{}')) THEN 'true'::jsonb END
      FROM jsonb_array_elements(p_writes) e;
END $$;
