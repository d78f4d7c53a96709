-- A run ended (its row is locked by the caller): the waits of the parents waiting on it fire,
-- and the parents wake. Parents are locked after their child, in id order, then their waits:
-- the order every writer follows (children before parents, runs before their waits). Returns
-- whether a parent became runnable. Mirrors fireChildWaits in waits.ts.
CREATE OR REPLACE FUNCTION heed_fire_child_waits(p_child text, p_now bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_parent text;
  v_woke boolean := false;
BEGIN
  PERFORM 1 FROM runs p WHERE p.id IN (SELECT w.run_id FROM waits w WHERE w.kind = 'child' AND w.child_id = p_child)
    ORDER BY p.id FOR UPDATE;
  FOR v_parent IN UPDATE waits w SET fired = true WHERE w.kind = 'child' AND w.child_id = p_child RETURNING w.run_id LOOP
    IF heed_wake(v_parent, p_now) = 'pending' THEN v_woke := true; END IF;
  END LOOP;
  RETURN v_woke;
END $$;
