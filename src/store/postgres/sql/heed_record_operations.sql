-- recordOperation (src/store/writes.ts RecordOperation), for writes about distinct runs, in one
-- statement. Fenced per write: the run's row is updated only under the exact lease (its row lock
-- is the batch's), and its last_ord counter numbers the record. Answers the record's ord, or
-- NULL when the lease was lost or the position was taken by another execution (nothing recorded).
-- p_writes: [{"i": position in the batch, "write": RecordOperation}, ...]
CREATE OR REPLACE FUNCTION heed_record_operations(p_writes jsonb) RETURNS TABLE (i integer, answer jsonb)
LANGUAGE sql AS $$
  WITH writes AS (
    SELECT (e->>'i')::int AS i, e->'write'->'lease'->>'runId' AS run_id, (e->'write'->'lease'->>'token')::bigint AS token,
           e->'write'->'operation' AS op, (e->'write'->>'now')::bigint AS now
      FROM jsonb_array_elements(p_writes) e),
  numbered AS (
    UPDATE runs r SET last_ord = r.last_ord + 1 FROM writes w
     WHERE r.id = w.run_id AND r.lease_token = w.token AND r.status = 'running'
    RETURNING r.id, r.last_ord),
  inserted AS (
    INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
    SELECT w.run_id, (w.op->>'seq')::int, n.last_ord, w.op->>'kind', w.op->>'name', w.op->>'output', w.op->>'error', w.now
      FROM writes w JOIN numbered n ON n.id = w.run_id
    ON CONFLICT (run_id, seq) DO NOTHING RETURNING run_id, ord)
  SELECT w.i, to_jsonb(ins.ord) FROM writes w LEFT JOIN inserted ins ON ins.run_id = w.run_id
$$;
