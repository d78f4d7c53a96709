-- awaitWait (src/store/writes.ts AwaitWait) for recv and sleep waits, one write at a time (each
-- may take a message and record, or register). The steps mirror resolveOrRegister in
-- postgres/waits.ts and sqlite/waits.ts, and the rules are those of src/store/wait-rules.ts:
-- the deadline of a new wait is deadlineOf's (sleep: now + durationMs; recv: now + timeoutMs, or
-- none), the registered wait decides with heed_wait_result (waitResult), a replay keeps the
-- registered deadline. Fenced per write; the run's row lock is the batch's. Answers, per write:
--   {"state": "ready", "ord", "output", "at"}   the result, recorded now or by the claim before;
--   {"state": "waiting", "deadline"}            registered (announced as a timer when it has a deadline);
--   {"state": "mismatch", "registered": shape}  another wait is registered at the position (waitMismatch);
--   {"state": "mismatch", "recorded": {"kind", "name"}}  another operation is recorded there (recordMismatch);
--   NULL                                        the lease was lost.
-- p_writes: [{"i": position in the batch, "write": AwaitWait}, ...]
CREATE OR REPLACE FUNCTION heed_await_waits(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_entry jsonb;
  v_request jsonb;
  v_run text;
  v_seq int;
  v_now bigint;
  v_wait waits%ROWTYPE;
  v_recorded operations%ROWTYPE;
  v_result record;
  v_ord integer;
  v_timer boolean := false;
BEGIN
  FOR v_entry IN SELECT e FROM jsonb_array_elements(p_writes) e LOOP
    i := (v_entry->>'i')::int;
    v_request := v_entry->'write'->'request';
    v_run := v_entry->'write'->'lease'->>'runId';
    v_seq := (v_request->>'seq')::int;
    v_now := (v_entry->'write'->>'now')::bigint;
    answer := NULL;
    PERFORM 1 FROM runs r
     WHERE r.id = v_run AND r.lease_token = (v_entry->'write'->'lease'->>'token')::bigint AND r.status = 'running';
    IF NOT FOUND THEN RETURN NEXT; CONTINUE; END IF;

    SELECT * INTO v_wait FROM waits w WHERE w.run_id = v_run AND w.seq = v_seq;
    IF FOUND THEN
      -- A replay: it must ask for the wait registered at its position.
      IF v_wait.kind <> v_request->>'kind' OR v_wait.topic IS DISTINCT FROM v_request->>'topic'
         OR v_wait.event_name IS NOT NULL OR v_wait.match_key IS NOT NULL OR v_wait.child_id IS NOT NULL THEN
        answer := jsonb_build_object('state', 'mismatch', 'registered', jsonb_build_object(
          'kind', v_wait.kind, 'topic', v_wait.topic, 'event_name', v_wait.event_name,
          'match_key', v_wait.match_key, 'child_id', v_wait.child_id));
        RETURN NEXT; CONTINUE;
      END IF;
      SELECT * INTO v_result FROM heed_wait_result(v_wait, v_now);
      IF NOT v_result.ready THEN
        answer := jsonb_build_object('state', 'waiting', 'deadline', v_wait.deadline);
        RETURN NEXT; CONTINUE;
      END IF;
      DELETE FROM waits w WHERE w.run_id = v_run AND w.seq = v_seq;
    ELSE
      -- Resolved already (by the claim that handed the run out): its record is the answer.
      SELECT * INTO v_recorded FROM operations o WHERE o.run_id = v_run AND o.seq = v_seq;
      IF FOUND THEN
        IF v_recorded.kind <> v_request->>'kind' OR v_recorded.name <> v_request->>'name' THEN
          answer := jsonb_build_object('state', 'mismatch', 'recorded',
                                       jsonb_build_object('kind', v_recorded.kind, 'name', v_recorded.name));
        ELSE
          answer := jsonb_build_object('state', 'ready', 'ord', v_recorded.ord, 'output', v_recorded.output,
                                       'at', v_recorded.created_at);
        END IF;
        RETURN NEXT; CONTINUE;
      END IF;
      -- A new wait: checked as it would be registered, and registered only if it must wait.
      v_wait := NULL;
      v_wait.run_id := v_run;
      v_wait.seq := v_seq;
      v_wait.kind := v_request->>'kind';
      v_wait.deadline := v_now + (CASE WHEN v_wait.kind = 'sleep' THEN v_request->>'durationMs'
                                       ELSE v_request->>'timeoutMs' END)::bigint; -- NULL: no timeout
      v_wait.fired := false;
      v_wait.topic := v_request->>'topic';
      SELECT * INTO v_result FROM heed_wait_result(v_wait, v_now);
      IF NOT v_result.ready THEN
        INSERT INTO waits (run_id, seq, kind, deadline, topic, created_at)
        VALUES (v_run, v_seq, v_wait.kind, v_wait.deadline, v_wait.topic, v_now);
        v_timer := v_timer OR v_wait.deadline IS NOT NULL;
        answer := jsonb_build_object('state', 'waiting', 'deadline', v_wait.deadline);
        RETURN NEXT; CONTINUE;
      END IF;
    END IF;
    -- Ready: the result is recorded under the run's counter.
    UPDATE runs r SET last_ord = r.last_ord + 1 WHERE r.id = v_run RETURNING r.last_ord INTO v_ord;
    INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
    VALUES (v_run, v_seq, v_ord, v_request->>'kind', v_request->>'name', v_result.output, NULL, v_now);
    answer := jsonb_build_object('state', 'ready', 'ord', v_ord, 'output', v_result.output, 'at', v_now);
    RETURN NEXT;
  END LOOP;
  -- Other processes' timer schedulers learn of a new earliest deadline.
  IF v_timer THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'timer'); END IF;
END $$;
