/**
 * The SQL of migration 4: the hot paths as functions, each one round trip.
 *
 * `heed_claim(...)` claims runs (failing those out of recoveries first) and, in the same
 * transaction, resolves the waits of the claimed runs whose condition already holds (a message
 * arrived, the timer fired, the event or the child came), recording their results as a replay's
 * `awaitWait` would: the woken run's execution finds them in its history instead of asking again.
 *
 * `heed_apply(batch jsonb)` applies many writes about many runs in one statement (one round
 * trip, one transaction, one commit) and answers one result per write, in order. `batch.ts`
 * groups concurrent calls into these batches.
 *
 * Fencing is per write, never per batch: a write under a lost lease answers `null` and writes
 * nothing, while the others in its batch commit. No write raises on a rule of the contract
 * (lease lost, duplicate message, unknown run, a replay asking for another wait): each is an
 * answer, so one write never fails another. Every run the batch writes about is locked first, in
 * id order (the order every multi-run writer takes), then the writes run in the order given;
 * parents woken by a child's end are locked after their children, as in `completeRun`.
 * Announcements are coalesced: one `run` and one `timer` wake-up per batch, one feed notice per
 * run (PostgreSQL folds identical notices of one transaction).
 *
 * Writes (`k`): `n` create a run, `r` record an operation, `w` resolve or register a `recv` or
 * `sleep` wait, `s` suspend, `c` complete, `l` release, `m` send a message.
 */
export const FUNCTIONS = `
CREATE FUNCTION heed_wake(p_run text, p_now bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_status text;
BEGIN
  -- A waiting run becomes pending; a running one is asked to replay once it suspends.
  UPDATE runs SET status = CASE WHEN status = 'waiting' THEN 'pending' ELSE status END,
         available_at = CASE WHEN status = 'waiting' THEN p_now ELSE available_at END,
         updated_at = CASE WHEN status = 'waiting' THEN p_now ELSE updated_at END,
         wake_requested = (status = 'running')
   WHERE id = p_run AND status IN ('waiting', 'running') RETURNING status INTO v_status;
  RETURN v_status;
END $$;

CREATE FUNCTION heed_fire_child_waits(p_child text, p_now bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_parent text;
  v_woke boolean := false;
BEGIN
  -- Parents waiting on the run that ended: locked (after it, in id order), waits fired, woken.
  PERFORM 1 FROM runs p WHERE p.id IN (SELECT w.run_id FROM waits w WHERE w.kind = 'child' AND w.child_id = p_child)
    ORDER BY p.id FOR UPDATE;
  FOR v_parent IN UPDATE waits w SET fired = true WHERE w.kind = 'child' AND w.child_id = p_child RETURNING w.run_id LOOP
    IF heed_wake(v_parent, p_now) = 'pending' THEN v_woke := true; END IF;
  END LOOP;
  RETURN v_woke;
END $$;

-- The result a registered wait has now, if its condition holds (the caller holds the run's lock):
-- ready is false when it must keep waiting. Takes the message a recv receives.
CREATE FUNCTION heed_wait_result(w waits, p_now bigint, OUT ready boolean, OUT output text) LANGUAGE plpgsql AS $$
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
    ready := false;
    RETURN;
  END IF;
  IF (w.deadline IS NOT NULL AND w.deadline <= p_now) OR w.fired THEN
    output := CASE WHEN w.kind = 'sleep' THEN NULL ELSE 'null' END;
  ELSE
    ready := false;
  END IF;
END $$;

CREATE FUNCTION heed_claim(p_owner text, p_workflows text[], p_limit int, p_lease_now bigint, p_active text[],
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
  v_woke boolean := false;
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
      -- Failed like any run end: its run.failed event ends its streams and reaches webhooks.
      INSERT INTO run_events (run_id, type, data, created_at)
        SELECT r.id, 'run.failed', '{"error":' || r.error || '}', p_now FROM runs r WHERE r.id = ANY(v_failed) ORDER BY r.id;
      PERFORM pg_notify('heed_feed_' || current_schema(), 'r:' || f) FROM unnest(v_failed) f;
      DELETE FROM waits WHERE run_id = ANY(v_failed);
      FOREACH v_id IN ARRAY v_failed LOOP
        IF heed_fire_child_waits(v_id, p_now) THEN v_woke := true; END IF;
        RETURN NEXT jsonb_build_object('failed', v_id); -- announced by the caller in its process
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
  IF v_woke THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
  IF v_claimed IS NULL THEN RETURN; END IF;

  -- A claimed run whose only wait is a recv with a message waiting (the common wake-up): set-based,
  -- the oldest unread message of the topic taken and recorded as heed_wait_result would.
  WITH lone AS (
    SELECT w.run_id, min(w.seq) AS seq FROM waits w WHERE w.run_id = ANY(v_claimed)
     GROUP BY w.run_id HAVING count(*) = 1),
  recv AS (
    SELECT w.* FROM waits w JOIN lone ON lone.run_id = w.run_id AND lone.seq = w.seq WHERE w.kind = 'recv'),
  oldest AS (
    SELECT DISTINCT ON (recv.run_id) recv.run_id, recv.seq, recv.topic, m.id AS message_id, m.body
      FROM recv JOIN messages m ON m.run_id = recv.run_id AND m.topic = recv.topic AND m.consumed_seq IS NULL
     ORDER BY recv.run_id, m.id),
  taken AS (
    UPDATE messages m SET consumed_seq = oldest.seq FROM oldest WHERE m.id = oldest.message_id RETURNING m.run_id),
  dropped AS (
    DELETE FROM waits w USING oldest WHERE w.run_id = oldest.run_id AND w.seq = oldest.seq RETURNING w.run_id),
  numbered AS (
    UPDATE runs r SET last_ord = r.last_ord + 1 FROM oldest WHERE r.id = oldest.run_id RETURNING r.id, r.last_ord)
  INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
  SELECT oldest.run_id, oldest.seq, numbered.last_ord, 'recv', oldest.topic,
         '{"message":' || COALESCE(oldest.body, 'null') || '}', NULL, p_now
    FROM oldest JOIN numbered ON numbered.id = oldest.run_id
  ON CONFLICT (run_id, seq) DO NOTHING;

  -- Other waits of the claimed runs that hold already are resolved now, in position order.
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
    SELECT jsonb_build_object(
      'id', r.id, 'workflow', r.workflow, 'status', r.status, 'input', r.input, 'output', r.output,
      'error', r.error, 'failed_seq', r.failed_seq, 'parent_id', r.parent_id, 'initiator', r.initiator,
      'attempts', r.attempts, 'recoveries', r.recoveries, 'lease_token', r.lease_token,
      'created_at', r.created_at, 'updated_at', r.updated_at,
      'history', (SELECT jsonb_agg(jsonb_build_object('seq', o.seq, 'ord', o.ord, 'kind', o.kind, 'name', o.name,
                    'output', o.output, 'error', o.error, 'createdAt', o.created_at) ORDER BY o.seq)
                  FROM operations o WHERE o.run_id = r.id))
    FROM runs r WHERE r.id = ANY(v_claimed);
END $$;

-- A run row as the store reads it (RunRow in runs.ts).
CREATE FUNCTION heed_run_json(r runs) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'workflow', r.workflow, 'status', r.status, 'input', r.input, 'output', r.output,
    'error', r.error, 'failed_seq', r.failed_seq, 'parent_id', r.parent_id, 'initiator', r.initiator,
    'attempts', r.attempts, 'recoveries', r.recoveries, 'lease_token', r.lease_token,
    'created_at', r.created_at, 'updated_at', r.updated_at)
$$;

-- The writes of kind p_kind about runs the batch writes about once (position i from 1): these
-- can be applied together, set-based, in any order.
CREATE FUNCTION heed_batch_singles(batch jsonb, p_kind text) RETURNS TABLE (i bigint, op jsonb) LANGUAGE sql AS $$
  WITH e AS (SELECT t.i, t.value AS op FROM jsonb_array_elements(batch) WITH ORDINALITY AS t(value, i)),
  once AS (SELECT e.op->>'id' AS id FROM e GROUP BY e.op->>'id' HAVING count(*) = 1)
  SELECT e.i, e.op FROM e JOIN once ON once.id = e.op->>'id' WHERE e.op->>'k' = p_kind
$$;

-- Set-based starts: runs inserted in one statement. A run that existed (or was being inserted
-- by another transaction meanwhile) is answered by heed_op_new_run, which reads it afresh.
CREATE FUNCTION heed_set_new_runs(batch jsonb) RETURNS TABLE (i bigint, result jsonb, created boolean)
LANGUAGE plpgsql AS $$
DECLARE rec record;
BEGIN
  FOR rec IN
    WITH news AS (SELECT s.i, s.op FROM heed_batch_singles(batch, 'n') s),
    inserted AS (
      INSERT INTO runs (id, workflow, status, input, parent_id, initiator, available_at, created_at, updated_at)
      SELECT n.op->>'id', n.op->>'workflow', 'pending', n.op->>'input', n.op->>'parent',
             COALESCE(n.op->>'initiator', (SELECT p.initiator FROM runs p WHERE p.id = n.op->>'parent')),
             (n.op->>'now')::bigint, (n.op->>'now')::bigint, (n.op->>'now')::bigint
        FROM news n ORDER BY n.op->>'id'
      ON CONFLICT (id) DO NOTHING RETURNING *)
    SELECT news.i, news.op, heed_run_json(ROW(inserted.*)::runs) AS row, inserted.id IS NOT NULL AS ok
      FROM news LEFT JOIN inserted ON inserted.id = news.op->>'id'
  LOOP
    i := rec.i;
    IF rec.ok THEN
      result := jsonb_build_object('created', true, 'row', rec.row);
      created := true;
    ELSE
      SELECT o.result, o.woke INTO result, created FROM heed_op_new_run(rec.op) o;
    END IF;
    RETURN NEXT;
  END LOOP;
END $$;

-- Set-based sends to runs the batch writes about once: messages inserted in one statement (a
-- duplicate key answers duplicate), runs waiting on the topic woken in another.
CREATE FUNCTION heed_set_sends(batch jsonb) RETURNS TABLE (i bigint, result jsonb, woke boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_is bigint[];
  v_ids text[];
  v_known boolean[];
  v_inserted boolean[];
  v_woken text[];
  v_pending boolean := false;
BEGIN
  WITH sends AS (SELECT s.i, s.op FROM heed_batch_singles(batch, 'm') s),
  known AS (SELECT sends.i, sends.op FROM sends JOIN runs r ON r.id = sends.op->>'id'),
  inserted AS (
    INSERT INTO messages (run_id, topic, body, idempotency_key, created_at)
    SELECT k.op->>'id', k.op->>'topic', k.op->>'body', k.op->>'key', (k.op->>'now')::bigint FROM known k ORDER BY k.i
    ON CONFLICT DO NOTHING RETURNING run_id)
  SELECT array_agg(sends.i ORDER BY sends.i), array_agg(sends.op->>'id' ORDER BY sends.i),
         array_agg(known.i IS NOT NULL ORDER BY sends.i), array_agg(inserted.run_id IS NOT NULL ORDER BY sends.i)
    INTO v_is, v_ids, v_known, v_inserted
    FROM sends LEFT JOIN known ON known.i = sends.i LEFT JOIN inserted ON inserted.run_id = sends.op->>'id';
  IF v_is IS NULL THEN RETURN; END IF;
  -- Runs with a new message on a topic they wait on: waiting ones become pending, running ones replay.
  WITH targets AS (
    SELECT DISTINCT t.id, (b.op->>'now')::bigint AS now
      FROM unnest(v_ids, v_inserted, v_is) AS t(id, inserted, i)
      JOIN LATERAL (SELECT batch->(t.i::int - 1) AS op) b ON true
     WHERE t.inserted AND EXISTS (SELECT 1 FROM waits w WHERE w.run_id = t.id AND w.kind = 'recv' AND w.topic = b.op->>'topic')),
  woken AS (
    UPDATE runs r SET status = CASE WHEN r.status = 'waiting' THEN 'pending' ELSE r.status END,
           available_at = CASE WHEN r.status = 'waiting' THEN targets.now ELSE r.available_at END,
           updated_at = CASE WHEN r.status = 'waiting' THEN targets.now ELSE r.updated_at END,
           wake_requested = (r.status = 'running')
      FROM targets WHERE r.id = targets.id AND r.status IN ('waiting', 'running')
    RETURNING r.id, r.status)
  SELECT array_agg(woken.id), bool_or(woken.status = 'pending') INTO v_woken, v_pending FROM woken;
  RETURN QUERY SELECT t.i,
      CASE WHEN NOT t.known THEN jsonb_build_object('missing', true)
           WHEN NOT t.inserted THEN jsonb_build_object('duplicate', true, 'woke', false)
           ELSE jsonb_build_object('duplicate', false, 'woke', t.id = ANY(COALESCE(v_woken, '{}'))) END,
      COALESCE(v_pending, false)
    FROM unnest(v_is, v_ids, v_known, v_inserted) AS t(i, id, known, inserted);
END $$;

-- Set-based records, fenced per row like heed_op_record (null: lease lost or position taken).
CREATE FUNCTION heed_set_records(batch jsonb) RETURNS TABLE (i bigint, result jsonb) LANGUAGE sql AS $$
  WITH records AS (
    SELECT s.i, s.op->>'id' AS id, (s.op->>'token')::bigint AS token, (s.op->>'seq')::int AS seq,
           s.op->>'kind' AS kind, s.op->>'name' AS name, s.op->>'output' AS output, s.op->>'error' AS error,
           (s.op->>'now')::bigint AS now
      FROM heed_batch_singles(batch, 'r') s),
  numbered AS (
    UPDATE runs r SET last_ord = r.last_ord + 1 FROM records
     WHERE r.id = records.id AND r.lease_token = records.token AND r.status = 'running'
    RETURNING r.id, r.last_ord),
  inserted AS (
    INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
    SELECT records.id, records.seq, numbered.last_ord, records.kind, records.name, records.output, records.error,
           records.now
      FROM records JOIN numbered ON numbered.id = records.id
    ON CONFLICT (run_id, seq) DO NOTHING RETURNING run_id, ord)
  SELECT records.i, to_jsonb(inserted.ord) FROM records LEFT JOIN inserted ON inserted.run_id = records.id
$$;

-- Set-based completions, fenced per row like heed_op_complete (null: lease lost). Parents waiting
-- on the ended runs are woken one by one (rare next to plain completions).
CREATE FUNCTION heed_set_completes(batch jsonb) RETURNS TABLE (i bigint, result jsonb, woke boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_is bigint[];
  v_ids text[];
  v_nows bigint[];
  v_woke boolean := false;
BEGIN
  WITH completes AS (SELECT s.i, s.op FROM heed_batch_singles(batch, 'c') s),
  done AS (
    UPDATE runs r SET status = c.op->>'status', output = c.op->>'output', error = c.op->>'error',
           failed_seq = (c.op->>'failedSeq')::int, lease_owner = NULL, lease_expires_at = NULL,
           wake_requested = false, updated_at = (c.op->>'now')::bigint
      FROM completes c
     WHERE r.id = c.op->>'id' AND r.lease_token = (c.op->>'token')::bigint AND r.status = 'running'
    RETURNING r.id),
  events AS (
    INSERT INTO run_events (run_id, type, data, created_at)
    SELECT c.op->>'id', c.op->>'event', c.op->>'data', (c.op->>'now')::bigint
      FROM completes c JOIN done ON done.id = c.op->>'id' ORDER BY c.i)
  SELECT array_agg(c.i ORDER BY c.i), array_agg(done.id ORDER BY c.i), array_agg((c.op->>'now')::bigint ORDER BY c.i)
    INTO v_is, v_ids, v_nows
    FROM completes c LEFT JOIN done ON done.id = c.op->>'id';
  IF v_is IS NULL THEN RETURN; END IF;
  PERFORM pg_notify('heed_feed_' || current_schema(), 'r:' || d) FROM unnest(v_ids) d WHERE d IS NOT NULL;
  DELETE FROM waits w WHERE w.run_id = ANY(v_ids);
  IF EXISTS (SELECT 1 FROM waits w WHERE w.kind = 'child' AND w.child_id = ANY(v_ids)) THEN
    FOR k IN 1..array_length(v_ids, 1) LOOP
      CONTINUE WHEN v_ids[k] IS NULL;
      IF heed_fire_child_waits(v_ids[k], v_nows[k]) THEN v_woke := true; END IF;
    END LOOP;
  END IF;
  RETURN QUERY SELECT t.i, CASE WHEN t.id IS NOT NULL THEN 'true'::jsonb END, v_woke
    FROM unnest(v_is, v_ids) AS t(i, id);
END $$;

CREATE FUNCTION heed_op_new_run(op jsonb, OUT result jsonb, OUT woke boolean) LANGUAGE plpgsql AS $$
DECLARE r runs%ROWTYPE;
BEGIN
  INSERT INTO runs (id, workflow, status, input, parent_id, initiator, available_at, created_at, updated_at)
  VALUES (op->>'id', op->>'workflow', 'pending', op->>'input', op->>'parent',
          COALESCE(op->>'initiator', (SELECT p.initiator FROM runs p WHERE p.id = op->>'parent')),
          (op->>'now')::bigint, (op->>'now')::bigint, (op->>'now')::bigint)
  ON CONFLICT (id) DO NOTHING RETURNING * INTO r;
  woke := FOUND;
  IF NOT woke THEN SELECT * INTO r FROM runs WHERE id = op->>'id'; END IF;
  result := jsonb_build_object('created', woke, 'row', heed_run_json(r));
END $$;

CREATE FUNCTION heed_op_record(op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE v_ord integer;
BEGIN
  -- Fenced: numbered from the run's counter only under the exact lease.
  UPDATE runs SET last_ord = last_ord + 1
   WHERE id = op->>'id' AND lease_token = (op->>'token')::bigint AND status = 'running'
   RETURNING last_ord INTO v_ord;
  IF NOT FOUND THEN RETURN NULL; END IF;
  INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
  VALUES (op->>'id', (op->>'seq')::int, v_ord, op->>'kind', op->>'name', op->>'output', op->>'error',
          (op->>'now')::bigint)
  ON CONFLICT (run_id, seq) DO NOTHING;
  IF NOT FOUND THEN RETURN NULL; END IF; -- another execution recorded this position: fenced off
  RETURN to_jsonb(v_ord);
END $$;

CREATE FUNCTION heed_op_wait(op jsonb, OUT result jsonb, OUT timer boolean) LANGUAGE plpgsql AS $$
DECLARE
  v_run text := op->>'id';
  v_seq int := (op->>'seq')::int;
  v_now bigint := (op->>'now')::bigint;
  v_existing waits%ROWTYPE;
  v_recorded operations%ROWTYPE;
  v_result record;
  v_ord integer;
BEGIN
  timer := false;
  PERFORM 1 FROM runs r WHERE r.id = v_run AND r.lease_token = (op->>'token')::bigint AND r.status = 'running';
  IF NOT FOUND THEN result := NULL; RETURN; END IF;
  SELECT * INTO v_existing FROM waits w WHERE w.run_id = v_run AND w.seq = v_seq;
  IF NOT FOUND THEN
    -- Resolved already (by the claim that handed the run out): its record is the answer.
    SELECT * INTO v_recorded FROM operations o WHERE o.run_id = v_run AND o.seq = v_seq;
    IF FOUND THEN
      IF v_recorded.kind <> op->>'kind' OR v_recorded.name <> op->>'name' THEN
        result := jsonb_build_object('state', 'mismatch', 'registered', jsonb_build_object(
          'kind', v_recorded.kind, 'topic', CASE WHEN v_recorded.kind = 'recv' THEN v_recorded.name END,
          'event_name', CASE WHEN v_recorded.kind = 'event' THEN v_recorded.name END, 'match_key', NULL,
          'child_id', CASE WHEN v_recorded.kind = 'child' THEN v_recorded.name END));
      ELSE
        result := jsonb_build_object('state', 'ready', 'ord', v_recorded.ord, 'output', v_recorded.output,
                                   'at', v_recorded.created_at);
      END IF;
      RETURN;
    END IF;
    -- A new wait: registered as it is, then checked like a registered one.
    v_existing.run_id := v_run;
    v_existing.seq := v_seq;
    v_existing.kind := op->>'kind';
    v_existing.deadline := v_now + (op->>'ms')::bigint; -- NULL when there is no timeout
    v_existing.fired := false;
    v_existing.topic := op->>'topic';
    SELECT * INTO v_result FROM heed_wait_result(v_existing, v_now);
    IF NOT v_result.ready THEN
      INSERT INTO waits (run_id, seq, kind, deadline, topic, created_at)
      VALUES (v_run, v_seq, v_existing.kind, v_existing.deadline, v_existing.topic, v_now);
      timer := v_existing.deadline IS NOT NULL;
      result := jsonb_build_object('state', 'waiting', 'deadline', v_existing.deadline);
      RETURN;
    END IF;
  ELSE
    IF v_existing.kind <> op->>'kind' OR v_existing.topic IS DISTINCT FROM op->>'topic'
       OR v_existing.event_name IS NOT NULL OR v_existing.match_key IS NOT NULL OR v_existing.child_id IS NOT NULL THEN
      result := jsonb_build_object('state', 'mismatch', 'registered', jsonb_build_object(
        'kind', v_existing.kind, 'topic', v_existing.topic, 'event_name', v_existing.event_name,
        'match_key', v_existing.match_key, 'child_id', v_existing.child_id));
      RETURN;
    END IF;
    SELECT * INTO v_result FROM heed_wait_result(v_existing, v_now);
    IF NOT v_result.ready THEN
      result := jsonb_build_object('state', 'waiting', 'deadline', v_existing.deadline); -- a replay keeps its deadline
      RETURN;
    END IF;
    DELETE FROM waits w WHERE w.run_id = v_run AND w.seq = v_seq;
  END IF;
  -- Ready: the result is recorded.
  UPDATE runs r SET last_ord = r.last_ord + 1 WHERE r.id = v_run RETURNING r.last_ord INTO v_ord;
  INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
  VALUES (v_run, v_seq, v_ord, op->>'kind', op->>'name', v_result.output, NULL, v_now);
  result := jsonb_build_object('state', 'ready', 'ord', v_ord, 'output', v_result.output, 'at', v_now);
END $$;

CREATE FUNCTION heed_op_suspend(op jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_status text;
BEGIN
  UPDATE runs SET status = CASE WHEN wake_requested THEN 'pending' ELSE 'waiting' END,
         available_at = (op->>'now')::bigint, wake_requested = false, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = (op->>'now')::bigint
   WHERE id = op->>'id' AND lease_token = (op->>'token')::bigint AND status = 'running'
   RETURNING status INTO v_status;
  RETURN v_status;
END $$;

CREATE FUNCTION heed_op_release(op jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE runs SET status = 'pending', available_at = (op->>'now')::bigint, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = (op->>'now')::bigint
   WHERE id = op->>'id' AND lease_token = (op->>'token')::bigint AND status = 'running';
  RETURN FOUND;
END $$;

CREATE FUNCTION heed_op_complete(op jsonb, OUT done boolean, OUT woke boolean) LANGUAGE plpgsql AS $$
DECLARE
  v_run text := op->>'id';
  v_now bigint := (op->>'now')::bigint;
BEGIN
  woke := false;
  UPDATE runs SET status = op->>'status', output = op->>'output', error = op->>'error',
         failed_seq = (op->>'failedSeq')::int, lease_owner = NULL, lease_expires_at = NULL,
         wake_requested = false, updated_at = v_now
   WHERE id = v_run AND lease_token = (op->>'token')::bigint AND status = 'running';
  done := FOUND;
  IF NOT done THEN RETURN; END IF;
  INSERT INTO run_events (run_id, type, data, created_at) VALUES (v_run, op->>'event', op->>'data', v_now);
  PERFORM pg_notify('heed_feed_' || current_schema(), 'r:' || v_run);
  DELETE FROM waits w WHERE w.run_id = v_run;
  woke := heed_fire_child_waits(v_run, v_now);
END $$;

CREATE FUNCTION heed_op_send(op jsonb, OUT result jsonb, OUT woke boolean) LANGUAGE plpgsql AS $$
DECLARE
  v_run text := op->>'id';
  v_status text;
BEGIN
  woke := false;
  PERFORM 1 FROM runs r WHERE r.id = v_run;
  IF NOT FOUND THEN result := jsonb_build_object('missing', true); RETURN; END IF;
  INSERT INTO messages (run_id, topic, body, idempotency_key, created_at)
  VALUES (v_run, op->>'topic', op->>'body', op->>'key', (op->>'now')::bigint) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN result := jsonb_build_object('duplicate', true, 'woke', false); RETURN; END IF;
  IF EXISTS (SELECT 1 FROM waits w WHERE w.run_id = v_run AND w.kind = 'recv' AND w.topic = op->>'topic') THEN
    v_status := heed_wake(v_run, (op->>'now')::bigint);
  END IF;
  woke := v_status = 'pending';
  result := jsonb_build_object('duplicate', false, 'woke', v_status IS NOT NULL);
END $$;

CREATE FUNCTION heed_apply(batch jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  n int := jsonb_array_length(batch);
  results jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
  handled boolean[] := array_fill(false, ARRAY[n]);
  op jsonb;
  res jsonb;
  flag boolean;
  woke boolean;
  st text;
  wake boolean := false;
  timer boolean := false;
  rec record;
BEGIN
  PERFORM 1 FROM runs WHERE id IN (SELECT e.value->>'id' FROM jsonb_array_elements(batch) e WHERE e.value->>'k' <> 'n')
    ORDER BY id FOR UPDATE;
  -- Starts, records, sends and completions of runs with no other write in the batch (the common
  -- case: a busy worker's steps and ends, a client's starts and sends): set-based, a statement or
  -- two for each kind.
  FOR rec IN SELECT * FROM heed_set_new_runs(batch) LOOP
    results[rec.i] := rec.result;
    handled[rec.i] := true;
    wake := wake OR rec.created;
  END LOOP;
  FOR rec IN SELECT * FROM heed_set_records(batch) LOOP
    results[rec.i] := rec.result; -- null: the lease was lost, or the position taken
    handled[rec.i] := true;
  END LOOP;
  FOR rec IN SELECT * FROM heed_set_sends(batch) LOOP
    results[rec.i] := rec.result;
    handled[rec.i] := true;
    wake := wake OR rec.woke;
  END LOOP;
  FOR rec IN SELECT * FROM heed_set_completes(batch) LOOP
    results[rec.i] := rec.result;
    handled[rec.i] := true;
    wake := wake OR COALESCE(rec.woke, false);
  END LOOP;
  -- Every other write, in the order given.
  FOR i IN 1..n LOOP
    CONTINUE WHEN handled[i];
    op := batch->(i - 1);
    CASE op->>'k'
      WHEN 'n' THEN
        SELECT o.result, o.woke INTO res, woke FROM heed_op_new_run(op) o;
      WHEN 'r' THEN
        res := heed_op_record(op);
        woke := false;
      WHEN 'w' THEN
        SELECT o.result, o.timer INTO res, flag FROM heed_op_wait(op) o;
        timer := timer OR flag;
        woke := false;
      WHEN 's' THEN
        st := heed_op_suspend(op);
        res := to_jsonb(st);
        woke := st = 'pending';
      WHEN 'l' THEN
        woke := heed_op_release(op);
        res := CASE WHEN woke THEN 'true'::jsonb END;
      WHEN 'c' THEN
        SELECT o.done, o.woke INTO flag, woke FROM heed_op_complete(op) o;
        res := CASE WHEN flag THEN 'true'::jsonb END;
      WHEN 'm' THEN
        SELECT o.result, o.woke INTO res, woke FROM heed_op_send(op) o;
    END CASE;
    wake := wake OR COALESCE(woke, false);
    results[i] := res;
  END LOOP;
  IF wake THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
  IF timer THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'timer'); END IF;
  RETURN to_jsonb(results);
END $$;
`;
