-- Wakes a run that something it waits on just arrived for (the caller holds the run's lock): a
-- waiting run becomes pending (announced to workers on commit: NOTIFY heed_wake_<schema> 'run',
-- folded with the transaction's other identical notices); a running one is asked to replay once
-- it suspends (wake_requested). Returns the run's status after, or NULL when it is neither.
-- Mirrors wakeRun in runs.ts (the TypeScript writers' wake).
CREATE OR REPLACE FUNCTION heed_wake(p_run text, p_now bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_status text;
BEGIN
  UPDATE runs SET status = CASE WHEN status = 'waiting' THEN 'pending' ELSE status END,
         available_at = CASE WHEN status = 'waiting' THEN p_now ELSE available_at END,
         updated_at = CASE WHEN status = 'waiting' THEN p_now ELSE updated_at END,
         wake_requested = (status = 'running')
   WHERE id = p_run AND status IN ('waiting', 'running') RETURNING status INTO v_status;
  IF v_status = 'pending' THEN PERFORM pg_notify('heed_wake_' || current_schema(), 'run'); END IF;
  RETURN v_status;
END $$;
