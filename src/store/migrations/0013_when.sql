-- When messages go (issue 7): the daytime window, modes, the cascade, schedules, recurring campaigns,
-- automations' duplicate keys and frequency caps. Everything lives on the messages' due times; these
-- columns say why a message is due when it is.

-- The organisation's settings: the daytime window in the recipient's local time (CH-2), the urgent
-- rate (CH-4), the economy capacity (CH-3), the cascade's wait for the messenger (CH-2, CH-3) and an
-- optional general cap of messages per recipient and local day (SD-7).
ALTER TABLE orgs ADD COLUMN window_start text NOT NULL DEFAULT '10:00' CHECK (window_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$');
ALTER TABLE orgs ADD COLUMN window_end text NOT NULL DEFAULT '23:00' CHECK (window_end ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$');
ALTER TABLE orgs ADD CONSTRAINT orgs_window_check CHECK (window_start < window_end);
ALTER TABLE orgs ADD COLUMN urgent_per_minute int NOT NULL DEFAULT 20 CHECK (urgent_per_minute BETWEEN 1 AND 6000);
ALTER TABLE orgs ADD COLUMN economy_daily_capacity int NOT NULL DEFAULT 1000 CHECK (economy_daily_capacity > 0);
ALTER TABLE orgs ADD COLUMN messenger_wait_seconds int NOT NULL DEFAULT 90 CHECK (messenger_wait_seconds > 0);
ALTER TABLE orgs ADD COLUMN economy_messenger_wait_seconds int NOT NULL DEFAULT 3600 CHECK (economy_messenger_wait_seconds > 0);
ALTER TABLE orgs ADD COLUMN daily_cap_per_recipient int CHECK (daily_cap_per_recipient > 0);
-- A gateway's own economy capacity per day; NULL takes the organisation's.
ALTER TABLE gateways ADD COLUMN daily_capacity int CHECK (daily_capacity > 0);

-- A campaign's mode (CH-2..CH-4), its schedule and recurrence (SD-4), debt collection (SD-7) and the
-- natural key that excludes duplicates across runs (SD-5).
ALTER TABLE campaigns ADD COLUMN mode text NOT NULL DEFAULT 'standard' CHECK (mode IN ('standard', 'economy', 'urgent'));
ALTER TABLE campaigns ADD COLUMN collection boolean NOT NULL DEFAULT false;
-- {"at": "2026-12-01T09:00:00Z"} or {"date": "2026-12-01", "localTime": "11:00"} (in each recipient's zone).
ALTER TABLE campaigns ADD COLUMN schedule jsonb;
-- {"cron": "0 10 * * 1-5"} or {"every": "day"|"week"|"month", "at": "10:00", "weekday"?: 1..7, "day"?: 1..31}.
ALTER TABLE campaigns ADD COLUMN recurrence jsonb;
-- {"kind": "birthday"|"debt"|"payment_due"|"payment_overdue", "days"?: N}: an automation's preset.
ALTER TABLE campaigns ADD COLUMN automation jsonb;
ALTER TABLE campaigns ADD COLUMN dedup_key text CHECK (dedup_key IN ('contact', 'loan', 'payment', 'birthday'));
ALTER TABLE campaigns ADD COLUMN next_run_at timestamptz;
ALTER TABLE campaigns ADD COLUMN parent_id bigint REFERENCES campaigns ON DELETE SET NULL;
-- Why the scheduler could not launch it (it went back to draft): no balance, a broken template.
ALTER TABLE campaigns ADD COLUMN schedule_error text;
ALTER TABLE campaigns DROP CONSTRAINT campaigns_state_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_state_check
  CHECK (state IN ('draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'));
CREATE INDEX campaigns_next_run_idx ON campaigns (next_run_at) WHERE state = 'scheduled';
CREATE INDEX campaigns_parent_idx ON campaigns (parent_id, id) WHERE parent_id IS NOT NULL;

-- Per message: the recipient's zone (NULL for API sends), whether the organisation's window holds it
-- (not in urgent mode), debt collection's caps, the messenger message an SMS is the fallback of (the cascade), and why it
-- is due when it is (issue 7 item 8).
ALTER TABLE messages ADD COLUMN zone text;
ALTER TABLE messages ADD COLUMN windowed boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN collection boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN cascade_of bigint;
ALTER TABLE messages ADD COLUMN due_reason text;
CREATE INDEX messages_cascade_idx ON messages (cascade_of) WHERE cascade_of IS NOT NULL;

-- The natural keys a recurring campaign's runs have used: a payment is never reminded twice.
CREATE TABLE campaign_keys (
  root_id     bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  key         text NOT NULL,
  campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (root_id, key)
);
