-- Applies a batch of writes about many runs in one statement (one round trip, one transaction,
-- one commit) and answers one result per write, in order. The batch is a JSON array of the
-- writes of src/store/writes.ts (BatchedWriteKind), exactly as TypeScript typed them;
-- postgres/batch.ts groups concurrent calls into these batches and types the answers.
--
-- Fencing is per write, never per batch: a write under a lost lease answers NULL and writes
-- nothing, while the others in its batch commit. No write raises on a rule of the contract (lease
-- lost, duplicate message, unknown run, a replay asking for another wait): each is an answer, so
-- one write never fails another.
--
-- Locks: every run the batch writes about is locked first, in id order (the order every
-- multi-run writer takes); parents woken by a child's end are locked after their children, as in
-- completeRun. Then the writes apply in rounds: round n holds each run's n-th write of the batch,
-- so the writes about one run apply in the order given, and the writes of one kind in a round are
-- about distinct runs and apply together, set-based, by that kind's function (writes about
-- different runs do not depend on each other's order). Announcements are NOTIFYs, delivered on
-- commit; PostgreSQL folds the identical ones of a transaction (one `run` and one `timer` wake-up
-- per batch, one feed notice per run).
CREATE OR REPLACE FUNCTION heed_apply(batch jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_answers jsonb[] := array_fill(NULL::jsonb, ARRAY[jsonb_array_length(batch)]);
  v_group record;
  v_done record;
BEGIN
  PERFORM 1 FROM runs WHERE id IN (
      SELECT heed_write_run(e) FROM jsonb_array_elements(batch) e WHERE e->>'kind' <> 'createRun')
    ORDER BY id FOR UPDATE;
  FOR v_group IN
    WITH entries AS (
      SELECT t.i::int AS i, t.w, row_number() OVER (PARTITION BY heed_write_run(t.w) ORDER BY t.i) AS round
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS t(w, i))
    SELECT e.round, e.w->>'kind' AS kind, jsonb_agg(jsonb_build_object('i', e.i, 'write', e.w) ORDER BY e.i) AS writes
      FROM entries e GROUP BY e.round, e.w->>'kind' ORDER BY e.round, min(e.i)
  LOOP
    CASE v_group.kind
      WHEN 'createRun' THEN
        FOR v_done IN SELECT * FROM heed_create_runs(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'recordOperation' THEN
        FOR v_done IN SELECT * FROM heed_record_operations(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'awaitWait' THEN
        FOR v_done IN SELECT * FROM heed_await_waits(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'suspendRun' THEN
        FOR v_done IN SELECT * FROM heed_suspend_runs(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'completeRun' THEN
        FOR v_done IN SELECT * FROM heed_complete_runs(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'releaseRun' THEN
        FOR v_done IN SELECT * FROM heed_release_runs(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
      WHEN 'sendMessage' THEN
        FOR v_done IN SELECT * FROM heed_send_messages(v_group.writes) LOOP v_answers[v_done.i] := v_done.answer; END LOOP;
    END CASE; -- any other kind raises CASE_NOT_FOUND: not a write heed_apply knows
  END LOOP;
  RETURN to_jsonb(v_answers);
END $$;
