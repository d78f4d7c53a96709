-- createRun (src/store/writes.ts CreateRun), for writes about distinct runs: the new runs
-- inserted in one statement, `pending` (announced to workers) or `waiting` when run.suspended; a
-- run without an initiator inherits its parent's. A run that existed, or that another
-- transaction was inserting meanwhile (the insert waited for it to commit, then did nothing), is
-- the answer as it is now: read by a second statement, whose snapshot sees that commit (READ
-- COMMITTED). Answers {"created", "run": a run row (heed_run_json)} per write.
-- p_writes: [{"i": position in the batch, "write": CreateRun}, ...]
CREATE OR REPLACE FUNCTION heed_create_runs(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_created text[];
  v_pending boolean;
BEGIN
  WITH writes AS (
    SELECT e->'write'->'run' AS run, (e->'write'->>'now')::bigint AS now FROM jsonb_array_elements(p_writes) e),
  inserted AS (
    INSERT INTO runs (id, workflow, status, input, parent_id, initiator, available_at, created_at, updated_at)
    SELECT w.run->>'id', w.run->>'workflow', CASE WHEN (w.run->>'suspended')::boolean THEN 'waiting' ELSE 'pending' END,
           w.run->>'input', w.run->>'parentId',
           COALESCE(w.run->>'initiator', (SELECT p.initiator FROM runs p WHERE p.id = w.run->>'parentId')),
           w.now, w.now, w.now
      FROM writes w ORDER BY w.run->>'id'
    ON CONFLICT (id) DO NOTHING RETURNING runs.id, runs.status)
  SELECT array_agg(inserted.id), bool_or(inserted.status = 'pending') INTO v_created, v_pending FROM inserted;
  IF v_pending THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
  RETURN QUERY
    SELECT (e->>'i')::int, jsonb_build_object('created', r.id = ANY(COALESCE(v_created, '{}')), 'run', heed_run_json(r))
      FROM jsonb_array_elements(p_writes) e JOIN runs r ON r.id = e->'write'->'run'->>'id';
END $$;
