-- Rate limits shared by every worker process (SD-7): token buckets kept in PostgreSQL, so a limit
-- of N per second holds with ten worker processes as with one.
CREATE TABLE rate_buckets (
  key          text PRIMARY KEY,        -- 'gateway:12'; later 'mode:urgent:org:3'
  tokens       double precision NOT NULL,
  refilled_at  timestamptz NOT NULL
);

-- A gateway's own limit, messages per second; NULL for none.
ALTER TABLE gateways ADD COLUMN rate_per_second double precision CHECK (rate_per_second > 0);
