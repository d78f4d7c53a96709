-- Claims runs in one statement (runs.ts claimRuns): fails the runs out of recoveries first; then
-- takes pending runs by availability, then running ones whose lease expired (by the lease clock)
-- under another owner, skipping rows other claimers hold (SKIP LOCKED: many workers claim at
-- once without waiting on each other). In the same transaction it resolves the claimed runs'
-- waits that hold already (heed_wait_result: the rule of wait-rules.ts), recording their results
-- as a replay's awaitWait would, so the woken run's execution finds them in its history instead
-- of asking again. Returns one row per claimed run (a run row, as heed_run_json, with its
-- history as operation rows: what toClaims in src/store/rows.ts maps), and {"failed": id} per
-- run failed for too many recoveries (the caller announces those in its process).
CREATE OR REPLACE FUNCTION heed_claim(p_owner text, p_workflows text[], p_limit int, p_lease_now bigint, p_active text[],
                                      p_max_recoveries int, p_lease_ms bigint, p_now bigint) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_lease_now bigint := COALESCE(p_lease_now, heed_now_ms());
  v_failed text[];
  v_claimed text[];
  v_id text;
  v_wait waits%ROWTYPE;
  v_result record;
  v_ord integer;
BEGIN
  -- Runs whose lease expired once more after their last recovery fail (rare: an indexed check).
  IF EXISTS (SELECT 1 FROM runs WHERE status = 'running' AND lease_expires_at < v_lease_now
               AND recoveries >= p_max_recoveries) THEN
    WITH doomed AS (
      SELECT id, recoveries FROM runs
       WHERE status = 'running' AND lease_expires_at < v_lease_now
         AND (lease_owner <> p_owner OR NOT (id = ANY(p_active))) AND recoveries >= p_max_recoveries
         AND workflow = ANY(p_workflows)
       ORDER BY id FOR UPDATE SKIP LOCKED),
    failed AS (
      UPDATE runs r SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, wake_requested = false,
             updated_at = p_now,
             error = json_build_object('name', 'HeedError', 'code', 'TOO_MANY_RECOVERIES', 'message',
               'The run''s worker died or stalled ' || (doomed.recoveries + 1) || ' times while executing it (maxRecoveries is '
               || p_max_recoveries || '); giving up. Fix the cause and resume the run.')::text
        FROM doomed WHERE r.id = doomed.id RETURNING r.id)
    SELECT array_agg(id) INTO v_failed FROM failed;
    IF v_failed IS NOT NULL THEN
      -- Failed like any run end: its run.failed event (as runEndEvent writes it) ends its streams
      -- and reaches webhooks.
      INSERT INTO run_events (run_id, type, data, created_at)
        SELECT r.id, 'run.failed', '{"error":' || r.error || '}', p_now FROM runs r WHERE r.id = ANY(v_failed) ORDER BY r.id;
      PERFORM pg_notify('heed_feed_' || current_schema(), 'r:' || f) FROM unnest(v_failed) f;
      DELETE FROM waits WHERE run_id = ANY(v_failed);
      FOREACH v_id IN ARRAY v_failed LOOP
        PERFORM heed_fire_child_waits(v_id, p_now);
        RETURN NEXT jsonb_build_object('failed', v_id);
      END LOOP;
    END IF;
  END IF;

  -- Pending runs first by availability, then running ones whose lease expired under another owner.
  WITH pending AS (
    SELECT id FROM runs WHERE status = 'pending' AND workflow = ANY(p_workflows)
    ORDER BY available_at LIMIT p_limit FOR UPDATE SKIP LOCKED),
  expired AS (
    SELECT id FROM runs WHERE status = 'running' AND lease_expires_at < v_lease_now
      AND (lease_owner <> p_owner OR NOT (id = ANY(p_active))) AND recoveries < p_max_recoveries
      AND workflow = ANY(p_workflows)
    ORDER BY lease_expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED),
  picked AS (
    SELECT id FROM (SELECT id, 0 AS k FROM pending UNION ALL SELECT id, 1 AS k FROM expired) c ORDER BY k LIMIT p_limit),
  claimed AS (
    UPDATE runs r SET status = 'running', lease_owner = p_owner, lease_token = r.lease_token + 1,
           lease_expires_at = v_lease_now + p_lease_ms, attempts = r.attempts + 1,
           recoveries = r.recoveries + CASE WHEN r.status = 'running' THEN 1 ELSE 0 END,
           wake_requested = false, updated_at = p_now
      FROM picked WHERE r.id = picked.id RETURNING r.id)
  SELECT array_agg(id) INTO v_claimed FROM claimed;
  IF v_claimed IS NULL THEN RETURN; END IF;

  -- The claimed runs' waits that hold already are resolved now, in position order, each recorded
  -- under the run's counter as heed_await_waits records a ready wait.
  FOR v_wait IN SELECT * FROM waits WHERE run_id = ANY(v_claimed) ORDER BY run_id, seq LOOP
    SELECT * INTO v_result FROM heed_wait_result(v_wait, p_now);
    CONTINUE WHEN NOT v_result.ready;
    DELETE FROM waits w WHERE w.run_id = v_wait.run_id AND w.seq = v_wait.seq;
    UPDATE runs r SET last_ord = r.last_ord + 1 WHERE r.id = v_wait.run_id RETURNING r.last_ord INTO v_ord;
    INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
    VALUES (v_wait.run_id, v_wait.seq, v_ord, v_wait.kind,
            CASE v_wait.kind WHEN 'recv' THEN v_wait.topic WHEN 'event' THEN v_wait.event_name
                             WHEN 'child' THEN v_wait.child_id ELSE 'sleep' END,
            v_result.output, NULL, p_now)
    ON CONFLICT (run_id, seq) DO NOTHING;
  END LOOP;

  RETURN QUERY
    SELECT heed_run_json(r) || jsonb_build_object(
      'history', (SELECT jsonb_agg(jsonb_build_object('seq', o.seq, 'ord', o.ord, 'kind', o.kind, 'name', o.name,
                     'output', o.output, 'error', o.error, 'created_at', o.created_at) ORDER BY o.seq)
                  FROM operations o WHERE o.run_id = r.id),
      -- The furthest wait the run registered and still holds (ctx.patched tells old histories by it).
      'last_wait_seq', (SELECT max(w.seq) FROM waits w WHERE w.run_id = r.id))
    FROM runs r WHERE r.id = ANY(v_claimed);
END $$;
