-- Import jobs as the import service runs them (AU-8). 0003 made the tables; here what running them
-- needs: a job waits for its mapping after the upload (`uploaded`), reports progress while it runs
-- (bytes read, a heartbeat that tells a live job from one whose server stopped), and each rejected
-- row keeps its reason codes, so the rejects can be counted and listed per reason.
ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_state_check;
ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_state_check
  CHECK (state IN ('uploaded', 'queued', 'running', 'done', 'failed'));
ALTER TABLE import_jobs ALTER COLUMN state SET DEFAULT 'uploaded';
ALTER TABLE import_jobs
  ADD COLUMN encoding      text,
  ADD COLUMN delimiter     text,
  ADD COLUMN headers       jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN dry_run       boolean NOT NULL DEFAULT false,
  -- Plots and accounts created or updated.
  ADD COLUMN objects       int NOT NULL DEFAULT 0,
  ADD COLUMN bytes_read    bigint NOT NULL DEFAULT 0,
  -- The uploaded file kept under the data directory until the job ends (a name, not a path).
  ADD COLUMN spool         text,
  ADD COLUMN started_at    timestamptz,
  ADD COLUMN heartbeat_at  timestamptz;
ALTER TABLE import_rejects ADD COLUMN reasons text[] NOT NULL DEFAULT '{}';
