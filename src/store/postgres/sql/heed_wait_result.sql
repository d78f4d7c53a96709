-- How a wait resolves: the rule of src/store/wait-rules.ts (waitLookup and waitResult), which
-- this function mirrors line for line; change one, change the other (the store contract's "wait
-- rules" cases run both). The caller holds the run's lock. ready is false while the wait must
-- keep waiting; otherwise output is what the wait records:
--   recv   takes the oldest unread message of its topic (read by the wait's position): {"message": body};
--   event  takes the event an emit attached to the wait (event_id): {"id", "name", "data", "at"};
--          (a new wait's lookback is looked up in TypeScript only: event waits are never batched)
--   child  takes the child's end: {"status", "output", "error"}, and only that;
--   else   sleep ends (NULL) and recv and event time out ('null') once the deadline passed by the
--          caller's clock, or the wait was fired (by a timer whose clock runs ahead).
CREATE OR REPLACE FUNCTION heed_wait_result(w waits, p_now bigint, OUT ready boolean, OUT output text) LANGUAGE plpgsql AS $$
DECLARE
  v_event events%ROWTYPE;
  v_child runs%ROWTYPE;
BEGIN
  ready := true;
  IF w.kind = 'recv' THEN
    UPDATE messages m SET consumed_seq = w.seq
     WHERE m.id = (SELECT u.id FROM messages u WHERE u.run_id = w.run_id AND u.topic = w.topic
                     AND u.consumed_seq IS NULL ORDER BY u.id LIMIT 1)
     RETURNING '{"message":' || COALESCE(m.body, 'null') || '}' INTO output;
    IF output IS NOT NULL THEN RETURN; END IF;
  ELSIF w.kind = 'event' AND w.event_id IS NOT NULL THEN
    SELECT * INTO v_event FROM events e WHERE e.id = w.event_id;
    IF v_event.id IS NOT NULL THEN
      output := '{"id":' || v_event.id || ',"name":' || to_json(v_event.name)::text || ',"data":'
        || COALESCE(v_event.data, 'null') || ',"at":' || v_event.created_at || '}';
      RETURN;
    END IF;
  ELSIF w.kind = 'child' THEN
    SELECT * INTO v_child FROM runs c WHERE c.id = w.child_id;
    IF v_child.status IN ('succeeded', 'failed', 'cancelled') THEN
      output := json_build_object('status', v_child.status, 'output', v_child.output, 'error', v_child.error)::text;
      RETURN;
    END IF;
    ready := false; -- a child wait ends with the child only
    RETURN;
  END IF;
  IF (w.deadline IS NOT NULL AND w.deadline <= p_now) OR w.fired THEN
    output := CASE WHEN w.kind = 'sleep' THEN NULL ELSE 'null' END;
  ELSE
    ready := false;
  END IF;
END $$;
