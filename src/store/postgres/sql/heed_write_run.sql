-- The run a write of heed_apply is about (src/store/writes.ts): the lease's run for fenced
-- writes, the message's for sendMessage, the new run's for createRun.
CREATE OR REPLACE FUNCTION heed_write_run(w jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(w->'lease'->>'runId', w->'message'->>'runId', w->'run'->>'id')
$$;
