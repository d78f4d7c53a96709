-- sendMessage (src/store/writes.ts SendMessage), for writes about distinct runs: the messages
-- inserted in one statement (a message whose idempotency key the run has seen is not: duplicate),
-- then the runs that wait on a new message's topic woken in another (a waiting run becomes
-- pending and is announced; a running one replays once it suspends, as heed_wake does). Answers
-- {"missing": true} for an unknown run, else {"duplicate", "woke"}.
-- p_writes: [{"i": position in the batch, "write": SendMessage}, ...]
CREATE OR REPLACE FUNCTION heed_send_messages(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_known text[];
  v_sent text[];
  v_woken text[];
  v_pending boolean;
BEGIN
  WITH writes AS (
    SELECT (e->>'i')::int AS i, e->'write'->'message' AS m, (e->'write'->>'now')::bigint AS now
      FROM jsonb_array_elements(p_writes) e),
  known AS (SELECT w.* FROM writes w JOIN runs r ON r.id = w.m->>'runId'),
  inserted AS (
    INSERT INTO messages (run_id, topic, body, idempotency_key, created_at)
    SELECT k.m->>'runId', k.m->>'topic', k.m->>'body', k.m->>'idempotencyKey', k.now FROM known k ORDER BY k.i
    ON CONFLICT DO NOTHING RETURNING run_id)
  SELECT (SELECT array_agg(k.m->>'runId') FROM known k), (SELECT array_agg(ins.run_id) FROM inserted ins)
    INTO v_known, v_sent;
  -- Runs with a new message on a topic they wait on.
  WITH woken AS (
    UPDATE runs r SET status = CASE WHEN r.status = 'waiting' THEN 'pending' ELSE r.status END,
           available_at = CASE WHEN r.status = 'waiting' THEN w.now ELSE r.available_at END,
           updated_at = CASE WHEN r.status = 'waiting' THEN w.now ELSE r.updated_at END,
           wake_requested = (r.status = 'running')
      FROM (SELECT e->'write'->'message' AS m, (e->'write'->>'now')::bigint AS now FROM jsonb_array_elements(p_writes) e) w
     WHERE r.id = w.m->>'runId' AND r.id = ANY(COALESCE(v_sent, '{}')) AND r.status IN ('waiting', 'running')
       AND EXISTS (SELECT 1 FROM waits wt WHERE wt.run_id = r.id AND wt.kind = 'recv' AND wt.topic = w.m->>'topic')
    RETURNING r.id, r.status)
  SELECT array_agg(woken.id), bool_or(woken.status = 'pending') INTO v_woken, v_pending FROM woken;
  IF v_pending THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
  RETURN QUERY
    SELECT (e->>'i')::int,
      CASE WHEN NOT (e->'write'->'message'->>'runId' = ANY(COALESCE(v_known, '{}'))) THEN jsonb_build_object('missing', true)
           WHEN NOT (e->'write'->'message'->>'runId' = ANY(COALESCE(v_sent, '{}'))) THEN jsonb_build_object('duplicate', true, 'woke', false)
           ELSE jsonb_build_object('duplicate', false, 'woke', e->'write'->'message'->>'runId' = ANY(COALESCE(v_woken, '{}'))) END
      FROM jsonb_array_elements(p_writes) e;
END $$;
